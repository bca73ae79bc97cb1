namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// A <see cref="TimeProvider"/> whose wall clock can jump (NTP, a suspended VM, a user's clock change) while its steady
/// clock, its timers and its timestamps stay those of the <see cref="TestTimeProvider"/> under it.
/// </summary>
/// <remarks>
/// <c>FakeTimeProvider.AdjustTime</c> cannot model this: its timestamps follow the wall clock, so a jump moves every age.
/// Register it as the host's <see cref="TimeProvider"/> after <see cref="MetricsHost.Create(IDictionary{string, string?}, Action{Microsoft.Extensions.DependencyInjection.IServiceCollection}?, TestTimeProvider?)"/>
/// registered the steady one, and keep driving the steady one.
/// </remarks>
internal sealed class SkewedClock(TestTimeProvider steady) : TimeProvider
{
    private long _skewTicks;

    /// <summary>Gets how far the wall clock is from the steady one.</summary>
    public TimeSpan Skew => TimeSpan.FromTicks(Interlocked.Read(ref _skewTicks));

    public override long TimestampFrequency => steady.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => steady.LocalTimeZone;

    /// <summary>Moves the wall clock by <paramref name="by"/>, backwards when negative; nothing else moves.</summary>
    public void Jump(TimeSpan by) => Interlocked.Add(ref _skewTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => steady.GetUtcNow() + Skew;

    public override long GetTimestamp() => steady.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        steady.CreateTimer(callback, state, dueTime, period);
}
