namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The lab switch of the report-cost probe's <c>go-lab10x</c> mode: a <see cref="TimeProvider"/> for the library (it
/// takes the one registered in DI) that is the system clock, except that the timer of a
/// <see cref="CancellationTokenSource"/> — the per-attempt HTTP timeout — fires at a fixed, longer due time. With the
/// timeout at 10× the interval it is never the process's earliest timer, which is the case issue 20 wants measured
/// without changing the library. With no stretch (<c>go-labtp</c>) it only shows that the wrapper itself costs nothing.
/// </summary>
/// <remarks>
/// A source created on a <see cref="TimeProvider"/> other than <see cref="TimeProvider.System"/> gets its timer from
/// <see cref="CreateTimer"/> with itself as the state and re-arms it with <see cref="ITimer.Change"/>
/// (<c>CancelAfter</c>, and <c>TryReset</c> with an infinite due time); every other timer (the sampler's, the delivery
/// loop's waits) is the base class's system timer, unchanged. Underneath, both are the same timer-queue timer.
/// </remarks>
internal sealed class StretchedTimeouts(TimeSpan? stretchTo) : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (state is not CancellationTokenSource || stretchTo is not { } to)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        return new Stretched(base.CreateTimer(callback, state, Stretch(dueTime, to), period), to);
    }

    private static TimeSpan Stretch(TimeSpan due, TimeSpan to) => due == Timeout.InfiniteTimeSpan ? due : to;

    private sealed class Stretched(ITimer inner, TimeSpan to) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(Stretch(dueTime, to), period);

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
