using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when the code under test starts waiting, and for how long, so
/// the test advances time only once the wait exists and can assert its length.
/// </summary>
internal sealed class TestTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();
    private readonly Channel<TimeSpan> _changes = Channel.CreateUnbounded<TimeSpan>();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ReportingTimer, byte> _live = new();
    private int _created;
    private int _liveTimers;

    public TestTimeProvider()
        : base(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Gets the time elapsed on the steady clock (<see cref="TimeProvider.GetTimestamp"/>) since the provider started.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(GetTimestamp() - Start.Ticks);

    /// <summary>
    /// Advances to <paramref name="elapsed"/> since the start, stopping at every multiple of <paramref name="grid"/> on the
    /// way, so that a timer re-armed from its own callback (the sampler's) fires at each of its due times.
    /// </summary>
    /// <remarks>
    /// This fake clock runs every callback due within one <see cref="FakeTimeProvider.Advance(TimeSpan)"/> with the clock
    /// already at the end of the advance, and a timer re-armed from its callback fires again only in a later advance.
    /// </remarks>
    public void AdvanceTo(TimeSpan elapsed, TimeSpan grid)
    {
        while (Elapsed < elapsed)
        {
            var nextTick = TimeSpan.FromTicks(((Elapsed.Ticks / grid.Ticks) + 1) * grid.Ticks);
            Advance((nextTick < elapsed ? nextTick : elapsed) - Elapsed);
        }
    }

    /// <summary>
    /// Gets the first sampling tick strictly after now, for a reporter started at this clock's start with the first sample
    /// one interval in (the phase <see cref="MetricsHost"/> registers): ticks fall on whole multiples of <paramref name="interval"/>.
    /// </summary>
    public TimeSpan NextTick(TimeSpan interval) => TimeSpan.FromTicks(((Elapsed.Ticks / interval.Ticks) + 1) * interval.Ticks);

    /// <summary>
    /// Gets the delay of a failure now which no success paid for, at the default cap (MaxBackoff = the interval): the wait
    /// for the next sampling tick, which is what the retry's timer is armed with and what its ReportFailed line names.
    /// </summary>
    public TimeSpan UntilNextTick(TimeSpan interval) => NextTick(interval) - Elapsed;

    /// <summary>
    /// Gets when a failure now, which no success paid for (the retry budget), is retried: the later of Polly's
    /// <paramref name="delay"/> and the next sampling tick. Pacing aside: a failure that came late in its interval (a
    /// timeout) may wait a pacing gap after it too.
    /// </summary>
    public TimeSpan UnpaidRetryAt(TimeSpan delay, TimeSpan interval)
    {
        var tick = NextTick(interval);
        return Elapsed + delay > tick ? Elapsed + delay : tick;
    }

    /// <summary>Gets the number of timers created and not yet disposed: a leak shows as a count that keeps growing.</summary>
    public int LiveTimers => Volatile.Read(ref _liveTimers);

    /// <summary>Gets when the timer created last is due (since the start), as it was created.</summary>
    public TimeSpan? LastCreatedDueAt { get; private set; }

    /// <summary>Raised on the creating thread each time a timer is created, after it is armed.</summary>
    public event Action? TimerCreated;

    /// <summary>
    /// Gets the earliest time (since the start) at which a live timer is due, strictly after now; <see langword="null"/>
    /// when none is. Timers that already fired and were not re-armed are not counted; periods are not followed (the
    /// library's timers are one-shot, re-armed with <c>Change</c>).
    /// </summary>
    public TimeSpan? NextDue
    {
        get
        {
            var now = Elapsed;
            TimeSpan? next = null;
            foreach (var timer in _live.Keys)
            {
                if (timer.DueAt is { } due && due > now && (next is null || due < next))
                {
                    next = due;
                }
            }

            return next;
        }
    }

    /// <summary>Gets whether a live timer is due at <paramref name="dueAt"/> (since the start).</summary>
    public bool HasTimerDueAt(TimeSpan dueAt) => _live.Keys.Any(timer => timer.DueAt == dueAt);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Tracked before it is armed: a timer due at once fires inside base.CreateTimer.
        var timer = new ReportingTimer(this, dueTime);
        _ = _live.TryAdd(timer, 0);
        timer.Inner = base.CreateTimer(callback, state, dueTime, period);
        _ = Interlocked.Increment(ref _created);
        _ = Interlocked.Increment(ref _liveTimers);
        _ = _timers.Writer.TryWrite(dueTime);
        LastCreatedDueAt = timer.DueAt;
        TimerCreated?.Invoke();
        return timer;
    }

    /// <summary>Waits (on a signal) until an existing timer is changed to a due time of <paramref name="dueTime"/>, e.g. a periodic timer's new period.</summary>
    public async Task WaitForTimerChangeAsync(TimeSpan dueTime, TimeSpan? realTimeout = null)
    {
        using var cts = new CancellationTokenSource(realTimeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (await _changes.Reader.ReadAsync(cts.Token) != dueTime)
            {
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No timer was changed to {dueTime}.");
        }
    }

    /// <summary>Gets how many timers anything has created on this provider.</summary>
    public int TimersCreated => Volatile.Read(ref _created);

    /// <summary>Waits (on a signal, never on the clock) until a timer with exactly <paramref name="dueTime"/> is created.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime, TimeSpan? realTimeout = null)
    {
        using var cts = new CancellationTokenSource(realTimeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var created = await _timers.Reader.ReadAsync(cts.Token);
                if (created == dueTime)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No timer of {dueTime} was created.");
        }
    }

    /// <summary>Waits for the next timer of any length and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync(Func<TimeSpan, bool>? filter = null, TimeSpan? realTimeout = null)
    {
        using var cts = new CancellationTokenSource(realTimeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var created = await _timers.Reader.ReadAsync(cts.Token);
                if (filter is null || filter(created))
                {
                    return created;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No matching timer was created.");
        }
    }

    /// <summary>Reports changes of due time, knows when it is due, and counts itself out of <see cref="LiveTimers"/> once disposed.</summary>
    private sealed class ReportingTimer : ITimer
    {
        private readonly TestTimeProvider _owner;
        private int _disposed;
        private long _dueAtTicks;

        public ReportingTimer(TestTimeProvider owner, TimeSpan dueTime)
        {
            _owner = owner;
            SetDue(dueTime);
        }

        public ITimer Inner { get; set; } = null!;

        /// <summary>Gets when it is due, since the provider's start; <see langword="null"/> when disarmed or disposed.</summary>
        public TimeSpan? DueAt => Volatile.Read(ref _dueAtTicks) is var ticks && ticks >= 0 ? TimeSpan.FromTicks(ticks) : null;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            SetDue(dueTime);
            var changed = Inner.Change(dueTime, period);
            _ = _owner._changes.Writer.TryWrite(dueTime);
            return changed;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _ = Interlocked.Decrement(ref _owner._liveTimers);
                _ = _owner._live.TryRemove(this, out _);
            }

            Volatile.Write(ref _dueAtTicks, -1);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }

        private void SetDue(TimeSpan dueTime) =>
            Volatile.Write(ref _dueAtTicks, dueTime == Timeout.InfiniteTimeSpan ? -1 : (_owner.Elapsed + dueTime).Ticks);
    }
}
