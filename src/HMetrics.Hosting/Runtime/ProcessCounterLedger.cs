namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Hands each increment of a process-wide counter (GC counts, pause time, allocated bytes, CPU time, exceptions, JIT,
/// thread-pool work items, lock contentions) to exactly one reporter, however many hosts the process has or has had.
/// </summary>
/// <remarks>
/// The runtime's counters belong to the process, not to a host: two hosts in one process (or a host rebuilt in-process)
/// each posting "every GC since the process started" would deliver the same GCs twice. The ledger remembers, per metric
/// name, the highest reading already handed out; a reader gets only what lies above it. A reporter's share therefore
/// grows by exactly the increments no other reporter took, and the shares of all reporters add up to the process's
/// total. A share a reporter took but could never deliver (its host stopped while the endpoint was down) is lost, as
/// its undelivered counts always were.
/// <para>
/// <see cref="Shared"/> is the library's one deliberate piece of static mutable state (see the static-state test in
/// <c>LifetimeTests</c>): a process-wide fact needs a process-wide record. Tests make their own instances.
/// </para>
/// </remarks>
internal sealed class ProcessCounterLedger
{
    /// <summary>The ledger of the process.</summary>
    public static readonly ProcessCounterLedger Shared = new();

    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _handedOut = new(StringComparer.Ordinal);
    private long _exceptions;
    private int _exceptionWatchers;

    /// <summary>Gets the first-chance exceptions seen since the first reporter began watching (while any reporter watches).</summary>
    public long Exceptions => Interlocked.Read(ref _exceptions);

    /// <summary>Takes what <paramref name="reading"/> adds to what was handed out for <paramref name="name"/> so far.</summary>
    /// <returns>The increment, never negative; NaN when the reading is not a number.</returns>
    public double Take(string name, double reading)
    {
        if (!double.IsFinite(reading))
        {
            return double.NaN;
        }

        lock (_lock)
        {
            var handedOut = _handedOut.GetValueOrDefault(name);
            if (reading <= handedOut)
            {
                return 0;
            }

            _handedOut[name] = reading;
            return reading - handedOut;
        }
    }

    /// <summary>Gets the highest reading handed out for <paramref name="name"/> (0 before the first).</summary>
    public double HandedOut(string name)
    {
        lock (_lock)
        {
            return _handedOut.GetValueOrDefault(name);
        }
    }

    /// <summary>Starts counting first-chance exceptions, once for the process however many tables watch.</summary>
    public void WatchExceptions()
    {
        lock (_lock)
        {
            if (_exceptionWatchers++ == 0)
            {
                AppDomain.CurrentDomain.FirstChanceException += OnFirstChanceException;
            }
        }
    }

    public void UnwatchExceptions()
    {
        lock (_lock)
        {
            if (_exceptionWatchers > 0 && --_exceptionWatchers == 0)
            {
                AppDomain.CurrentDomain.FirstChanceException -= OnFirstChanceException;
            }
        }
    }

    private void OnFirstChanceException(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e) =>
        Interlocked.Increment(ref _exceptions);
}
