using HMetrics.Hosting.Tests.Helpers;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// The process's clock in a run: steady fake time (a <see cref="TestTimeProvider"/>) for timestamps and timers, and a
/// wall clock that can jump.
/// </summary>
/// <remarks>
/// <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider.AdjustTime"/> cannot play an NTP step: the fake's
/// timestamps are its wall-clock ticks, so adjusting its time moves every timestamp and timer too. Here only
/// <see cref="GetUtcNow"/> moves, as on a real machine, where timers and <c>Stopwatch</c> run on a monotonic clock.
/// Every timer made here is tracked, so the run can let time pass one due timer at a time.
/// </remarks>
internal sealed class ChaosClock : TimeProvider
{
    private readonly TestTimeProvider _fake = new();
    private readonly Lock _lock = new();
    private readonly HashSet<TrackedTimer> _timers = [];
    private readonly List<WallClockSegment> _segments = [new(TimeSpan.Zero, TimeSpan.Zero)];
    private readonly long _origin;
    private long _offsetTicks;

    public ChaosClock() => _origin = _fake.GetTimestamp();

    /// <summary>Gets the wall-clock time at which the run began.</summary>
    public DateTimeOffset Start => _fake.Start;

    /// <summary>Gets the steady time since the run began.</summary>
    public TimeSpan Elapsed => _fake.GetElapsedTime(_origin);

    /// <summary>Gets the wall clock's offsets from steady time, in order.</summary>
    public IReadOnlyList<WallClockSegment> Segments
    {
        get
        {
            lock (_lock)
            {
                return [.. _segments];
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow() + TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public override long GetTimestamp() => _fake.GetTimestamp();

    public override long TimestampFrequency => _fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new TrackedTimer(this, _fake, callback, state, dueTime, period);

    /// <summary>Moves the wall clock by <paramref name="amount"/>; timers and timestamps stay where they are.</summary>
    public void JumpWallClock(TimeSpan amount)
    {
        lock (_lock)
        {
            var offset = TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks)) + amount;
            Volatile.Write(ref _offsetTicks, offset.Ticks);
            _segments.Add(new WallClockSegment(Elapsed, offset));
        }
    }

    /// <summary>Gets the steady time since the run began at which the earliest armed timer is due, if any.</summary>
    public TimeSpan? NextDue()
    {
        lock (_lock)
        {
            var due = long.MaxValue;
            foreach (var timer in _timers)
            {
                due = Math.Min(due, timer.DueAt);
            }

            return due == long.MaxValue ? null : TimeSpan.FromTicks(Math.Max(0, due - _origin));
        }
    }

    /// <summary>Describes the armed timers due by now, which a step to now should have fired.</summary>
    public string Overdue()
    {
        lock (_lock)
        {
            var now = GetTimestamp();
            return string.Join(", ", _timers.Where(t => t.DueAt <= now).Select(t => t.Describe()));
        }
    }

    /// <summary>
    /// Lets steady time pass up to <paramref name="elapsed"/> (since the run began), running the callbacks of the timers
    /// due on the way inline, as <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider.Advance"/> does.
    /// </summary>
    /// <returns>The exception a timer callback threw: on a real timer thread it would have ended the process.</returns>
    public Exception? AdvanceTo(TimeSpan elapsed)
    {
        try
        {
            var delta = elapsed - Elapsed;
            _fake.Advance(delta > TimeSpan.Zero ? delta : TimeSpan.Zero);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    internal void Add(TrackedTimer timer)
    {
        lock (_lock)
        {
            _ = _timers.Add(timer);
        }
    }

    internal void Remove(TrackedTimer timer)
    {
        lock (_lock)
        {
            _ = _timers.Remove(timer);
        }
    }
}
