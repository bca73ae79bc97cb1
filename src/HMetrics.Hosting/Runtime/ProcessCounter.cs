namespace HMetrics.Hosting.Runtime;

/// <summary>
/// The runtime's cumulative counters, each read once per sample: the process owns them, the ledger hands out their
/// increments, and a schema only chooses which names carry them.
/// </summary>
/// <remarks>Values are in base units (counts, bytes, 100-ns ticks), so increments add up exactly.</remarks>
internal enum ProcessCounter
{
    /// <summary>Collections whose oldest generation was 0.</summary>
    Gen0Collections,

    /// <summary>Collections whose oldest generation was 1.</summary>
    Gen1Collections,

    /// <summary>Full (generation 2) collections.</summary>
    Gen2Collections,

    /// <summary>Time paused for GC, in ticks.</summary>
    GcPauseTicks,

    /// <summary>Bytes allocated on the managed heap.</summary>
    AllocatedBytes,

    /// <summary>CPU time in user mode, in ticks.</summary>
    CpuUserTicks,

    /// <summary>CPU time in kernel mode, in ticks.</summary>
    CpuSystemTicks,

    /// <summary>Thread-pool work items completed.</summary>
    WorkItems,

    /// <summary>Times a lock had to wait.</summary>
    LockContentions,

    /// <summary>First-chance exceptions seen while any reporter watches.</summary>
    Exceptions,

    /// <summary>Methods compiled by the JIT.</summary>
    JitMethods,

    /// <summary>Bytes of IL compiled by the JIT.</summary>
    JitIlBytes,

    /// <summary>Time spent in the JIT, in ticks.</summary>
    JitTicks,
}
