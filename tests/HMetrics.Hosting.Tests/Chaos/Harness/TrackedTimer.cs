namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>A timer of the <see cref="ChaosClock"/>: a fake-time timer whose next due moment the clock can see.</summary>
/// <remarks>
/// <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/> (10.0) fires a timer at its exact due tick and runs a
/// callback due in zero time inline; the due moment kept here follows the same rules.
/// </remarks>
internal sealed class TrackedTimer : ITimer
{
    private readonly ChaosClock _clock;
    private readonly TimerCallback _callback;
    private readonly object? _state;
    private readonly ITimer _inner;
    private long _dueAt = long.MaxValue;
    private long _periodTicks;

    public TrackedTimer(ChaosClock clock, TimeProvider fake, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _clock = clock;
        _callback = callback;
        _state = state;
        Arm(dueTime, period);

        // Registered before the inner timer exists: a callback due at once runs inside CreateTimer.
        clock.Add(this);
        try
        {
            _inner = fake.CreateTimer(static s => ((TrackedTimer)s!).Fire(), this, dueTime, period);
        }
        catch
        {
            // A due time the provider refuses (out of range): no timer exists, so none may look due.
            clock.Remove(this);
            throw;
        }
    }

    /// <summary>Gets the steady timestamp the timer is next due at; <see cref="long.MaxValue"/> when not armed.</summary>
    public long DueAt => Volatile.Read(ref _dueAt);

    /// <summary>Gets what the timer calls, for a report of timers that never fire.</summary>
    public string Describe() => $"{_callback.Method.DeclaringType?.Name}.{_callback.Method.Name}({_state?.GetType().Name})";

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        var (dueAt, periodTicks) = (DueAt, _periodTicks);
        Arm(dueTime, period);
        try
        {
            return _inner.Change(dueTime, period);
        }
        catch
        {
            // Refused: the timer keeps its previous schedule.
            (_periodTicks, _dueAt) = (periodTicks, dueAt);
            throw;
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _dueAt, long.MaxValue);
        _clock.Remove(this);
        _inner.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    private void Arm(TimeSpan dueTime, TimeSpan period)
    {
        _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
        Volatile.Write(ref _dueAt, dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : _clock.GetTimestamp() + dueTime.Ticks);
    }

    private void Fire()
    {
        Volatile.Write(ref _dueAt, _periodTicks > 0 ? _clock.GetTimestamp() + _periodTicks : long.MaxValue);
        _callback(_state);
    }
}
