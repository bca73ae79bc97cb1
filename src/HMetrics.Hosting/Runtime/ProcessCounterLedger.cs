namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Hands each increment of a process-wide counter to exactly one reporter, however many hosts the process has or has had,
/// whatever schema each posts.
/// </summary>
/// <remarks>
/// The runtime's counters belong to the process, not to a host: two hosts in one process (or a host rebuilt in-process)
/// each posting "every GC since the process started" would deliver the same GCs twice. The ledger remembers, per
/// <see cref="ProcessCounter"/> (never per posted name, so a schema that starts posting a name later does not receive
/// everything since the process started), the highest reading already handed out; a reader gets only what lies above it.
/// The increments of all reporters therefore add up to the process's total.
/// <para>
/// <see cref="Shared"/> is the library's one deliberate piece of static mutable state (see the static-state test in
/// <c>LifetimeTests</c>): a process-wide fact needs a process-wide record. Tests make their own instances.
/// </para>
/// </remarks>
internal sealed class ProcessCounterLedger
{
    // Before Shared: static fields are initialized in order, and Shared's constructor sizes its record by this.
    private static readonly int _counters = Enum.GetValues<ProcessCounter>().Length;

    /// <summary>The ledger of the process.</summary>
    public static readonly ProcessCounterLedger Shared = new();

    private readonly Lock _lock = new();
    private readonly double[] _handedOut = new double[_counters];
    private long _exceptions;
    private int _exceptionWatchers;
    private IDisposable? _exceptionSubscription;

    /// <summary>Gets how many counters a snapshot holds.</summary>
    public static int Count => _counters;

    /// <summary>Gets the first-chance exceptions seen since the first reporter began watching (while any reporter watches).</summary>
    public long Exceptions => Interlocked.Read(ref _exceptions);

    /// <summary>
    /// Turns one snapshot of cumulative <paramref name="readings"/> into the increments nobody has taken yet, in place,
    /// under one lock so that a snapshot is handed out whole.
    /// </summary>
    /// <remarks>A reading below what was handed out (another reporter's newer snapshot) gives 0; one that is not a number gives NaN.</remarks>
    public void Take(Span<double> readings)
    {
        lock (_lock)
        {
            for (var i = 0; i < readings.Length; i++)
            {
                var reading = readings[i];
                if (!double.IsFinite(reading))
                {
                    readings[i] = double.NaN;
                    continue;
                }

                var handedOut = _handedOut[i];
                readings[i] = reading > handedOut ? reading - handedOut : 0;
                if (reading > handedOut)
                {
                    _handedOut[i] = reading;
                }
            }
        }
    }

    /// <summary>Gets the highest reading handed out for <paramref name="counter"/> (0 before the first).</summary>
    public double HandedOut(ProcessCounter counter)
    {
        lock (_lock)
        {
            return _handedOut[(int)counter];
        }
    }

    /// <summary>Starts counting first-chance exceptions, once for the process however many readers watch.</summary>
    public void WatchExceptions()
    {
        lock (_lock)
        {
            if (_exceptionWatchers++ == 0)
            {
                _exceptionSubscription = Guard.OnFirstChanceException(() => Interlocked.Increment(ref _exceptions));
            }
        }
    }

    public void UnwatchExceptions()
    {
        lock (_lock)
        {
            if (_exceptionWatchers > 0 && --_exceptionWatchers == 0)
            {
                _exceptionSubscription?.Dispose();
                _exceptionSubscription = null;
            }
        }
    }
}
