namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>One host's view of the run's <see cref="ChaosClock"/>: the same time, and a signal when the host makes its first timer.</summary>
/// <remarks>The reporter makes its first timer (the sampler's) on activation, so the signal says the reporter is live.</remarks>
internal sealed class HostClock(ChaosClock clock, Action firstTimer) : TimeProvider
{
    private int _timers;

    /// <summary>Gets how many timers the host has made.</summary>
    public int TimersCreated => Volatile.Read(ref _timers);

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override long GetTimestamp() => clock.GetTimestamp();

    public override long TimestampFrequency => clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = clock.CreateTimer(callback, state, dueTime, period);
        if (Interlocked.Increment(ref _timers) == 1)
        {
            firstTimer();
        }

        return timer;
    }
}
