namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// The process's clock in a run: fake steady time for timestamps and timers, which moves only when the run lets it, and
/// a wall clock that can jump.
/// </summary>
/// <remarks>
/// <para>
/// It keeps <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>'s rules (callbacks run inline on the thread
/// that moves time, in due order; a timer due in zero time runs inside <c>CreateTimer</c> or <c>Change</c>; an exception
/// from a callback comes out of the call that moved time) and adds two things the suite needs. Its wall clock jumps
/// alone: <c>FakeTimeProvider.AdjustTime</c> also moves its timestamps and timers (its timestamps are its wall-clock
/// ticks), which an NTP step on a real machine does not. And its schedule is its own, under one lock, so the run can
/// step to the next due timer exactly even while the library makes timers on other threads (an answer arriving on an
/// I/O thread in the middle of a step); the fake's schedule cannot be read from outside.
/// </para>
/// <para>The wall clock starts where the repo's <see cref="Helpers.TestTimeProvider"/> starts.</para>
/// </remarks>
internal sealed class ChaosClock : TimeProvider
{
    private static readonly DateTimeOffset _epoch = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly long _maxDueTicks = TimeSpan.FromMilliseconds(0xfffffffe).Ticks;

    private readonly Lock _lock = new();
    private readonly HashSet<TrackedTimer> _timers = [];
    private readonly List<WallClockSegment> _segments = [new(TimeSpan.Zero, TimeSpan.Zero)];
    private long _now;
    private long _offset;
    private long _order;

    /// <summary>Gets the wall-clock time at which the run began.</summary>
    public DateTimeOffset Start => _epoch;

    /// <summary>Gets the steady time since the run began.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref _now));

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

    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(Volatile.Read(ref _now) + Volatile.Read(ref _offset));

    public override long GetTimestamp() => _epoch.Ticks + Volatile.Read(ref _now);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new TrackedTimer(this, callback, state);
        lock (_lock)
        {
            _ = _timers.Add(timer);
        }

        Schedule(timer, dueTime, period);
        return timer;
    }

    /// <summary>Moves the wall clock by <paramref name="amount"/>; timers and timestamps stay where they are.</summary>
    public void JumpWallClock(TimeSpan amount)
    {
        lock (_lock)
        {
            Volatile.Write(ref _offset, _offset + amount.Ticks);
            _segments.Add(new WallClockSegment(Elapsed, TimeSpan.FromTicks(_offset)));
        }
    }

    /// <summary>Gets the steady time since the run began at which the earliest armed timer is due, if any.</summary>
    public TimeSpan? NextDue()
    {
        lock (_lock)
        {
            return Earliest(long.MaxValue - 1) is { } timer ? TimeSpan.FromTicks(timer.DueAt) : null;
        }
    }

    /// <summary>Describes the armed timers, for a report of a run that stopped moving.</summary>
    public string Armed()
    {
        lock (_lock)
        {
            return string.Join(", ", _timers.Where(t => t.DueAt != long.MaxValue).Select(t => $"{t.Describe()} due at {TimeSpan.FromTicks(t.DueAt)}"));
        }
    }

    /// <summary>
    /// Lets steady time pass up to <paramref name="elapsed"/> (since the run began), running the callbacks of the timers
    /// due on the way inline, in due order, each with the clock at its due moment.
    /// </summary>
    /// <returns>The exception a timer callback threw: on a real timer thread it would have ended the process.</returns>
    public Exception? AdvanceTo(TimeSpan elapsed)
    {
        while (true)
        {
            TrackedTimer? due;
            lock (_lock)
            {
                due = Earliest(elapsed.Ticks);
                if (due is null)
                {
                    Volatile.Write(ref _now, Math.Max(_now, elapsed.Ticks));
                    return null;
                }

                Volatile.Write(ref _now, Math.Max(_now, due.DueAt));
                Rearm(due);
            }

            try
            {
                due.Invoke();
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }

    internal void Schedule(TrackedTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, nameof(dueTime));
        Validate(period, nameof(period));
        bool now;
        lock (_lock)
        {
            timer.PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            now = dueTime == TimeSpan.Zero;
            timer.DueAt = dueTime == Timeout.InfiniteTimeSpan || now ? long.MaxValue : _now + dueTime.Ticks;
            timer.Order = ++_order;
            if (now)
            {
                Rearm(timer);
            }
        }

        if (now)
        {
            timer.Invoke();
        }
    }

    internal void Remove(TrackedTimer timer)
    {
        lock (_lock)
        {
            timer.DueAt = long.MaxValue;
            _ = _timers.Remove(timer);
        }
    }

    private static void Validate(TimeSpan value, string name)
    {
        if (value != Timeout.InfiniteTimeSpan && (value < TimeSpan.Zero || value.Ticks > _maxDueTicks))
        {
            throw new ArgumentOutOfRangeException(name, value, "A timer's due time and period are -1 ms (infinite) or between 0 and 0xfffffffe ms.");
        }
    }

    // Under the lock: the next firing of a periodic timer is scheduled before its callback runs, as on a real timer.
    private void Rearm(TrackedTimer timer)
    {
        timer.DueAt = timer.PeriodTicks > 0 ? _now + timer.PeriodTicks : long.MaxValue;
        timer.Order = ++_order;
    }

    // Under the lock: the armed timer due first (the one armed first among equals), if it is due by `ticks`.
    private TrackedTimer? Earliest(long ticks)
    {
        TrackedTimer? earliest = null;
        foreach (var timer in _timers)
        {
            if (timer.DueAt <= ticks && (earliest is null || timer.DueAt < earliest.DueAt || (timer.DueAt == earliest.DueAt && timer.Order < earliest.Order)))
            {
                earliest = timer;
            }
        }

        return earliest;
    }
}
