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

    public TestTimeProvider()
        : base(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero))
    {
    }

    private int _liveTimers;

    /// <summary>Gets the number of timers created and not yet disposed: a leak shows as a count that keeps growing.</summary>
    public int LiveTimers => Volatile.Read(ref _liveTimers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new CountedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        _ = Interlocked.Increment(ref _liveTimers);
        _ = _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    private sealed class CountedTimer(ITimer inner, TestTimeProvider owner) : ITimer
    {
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _ = Interlocked.Decrement(ref owner._liveTimers);
            }

            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }

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
}
