namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>A timer of the <see cref="ChaosClock"/>, which keeps its schedule.</summary>
internal sealed class TrackedTimer(ChaosClock clock, TimerCallback callback, object? state) : ITimer
{
    private volatile bool _disposed;

    /// <summary>Gets or sets the steady ticks (since the run began) the timer is next due at; <see cref="long.MaxValue"/> when not armed. Guarded by the clock's lock.</summary>
    internal long DueAt { get; set; } = long.MaxValue;

    /// <summary>Gets or sets the period in ticks; 0 for a one-shot timer. Guarded by the clock's lock.</summary>
    internal long PeriodTicks { get; set; }

    /// <summary>Gets or sets when the timer was last armed, to fire timers due at the same moment in that order.</summary>
    internal long Order { get; set; }

    /// <summary>Gets what the timer calls, for a report of a run that stopped moving.</summary>
    public string Describe() => $"{callback.Method.DeclaringType?.Name}.{callback.Method.Name}({state?.GetType().Name})";

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (_disposed)
        {
            return false;
        }

        clock.Schedule(this, dueTime, period);
        return true;
    }

    public void Dispose()
    {
        _disposed = true;
        clock.Remove(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    internal void Invoke() => callback(state);
}
