using System.Runtime;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Reads the runtime for one sample: every process counter's increment since it was last handed out, from one snapshot
/// whatever the schema, and the gauges the schema posts.
/// </summary>
/// <remarks>
/// All counters are read for every schema, so the ledger hands out each increment once however the schema changes: a
/// sample that starts posting a name later carries only its own interval, never everything since the process started.
/// Every reading is allocation-free in steady state (docs/metric-mapping.md). Not thread-safe: the sampler calls it
/// under its lock.
/// </remarks>
internal sealed class RuntimeReader : IDisposable
{
    private readonly ProcessCounterLedger _ledger;
    private readonly GcCountReader _gcCounts;
    private readonly WorkingSetReader _workingSet = new();
    private readonly AssemblyCounter _assemblies = new();
    private int _disposed;
    private long _gcInfoCollections = -1;
    private long _gcInfoPauseTicks = -1;
    private GCMemoryInfo _gcInfo;

    /// <param name="ledger">Where process-wide counts are handed out; the process's own unless a test isolates itself.</param>
    /// <param name="collectionCount">Reads <see cref="GC.CollectionCount(int)"/>; a test can play a GC storm through it.</param>
    public RuntimeReader(ProcessCounterLedger? ledger = null, Func<int, int>? collectionCount = null)
    {
        _ledger = ledger ?? ProcessCounterLedger.Shared;
        _gcCounts = collectionCount is null ? new GcCountReader() : new GcCountReader(collectionCount);
        _ledger.WatchExceptions();
    }

    /// <summary>Reads one sample.</summary>
    /// <param name="schema">Which names the sample posts: decides which gauges are read.</param>
    /// <param name="counters">Receives every counter's increment, indexed by <see cref="ProcessCounter"/>.</param>
    /// <param name="gauges">Receives the schema's gauges, indexed by <see cref="RuntimeGauge"/>; NaN for the others.</param>
    public void Read(HerokuMetricsSchema schema, Span<double> counters, Span<double> gauges)
    {
        var (gen0, gen1, gen2) = _gcCounts.Read();
        var pauseTicks = GC.GetTotalPauseDuration().Ticks;
        var cpu = Environment.CpuUsage;
        counters[(int)ProcessCounter.Gen0Collections] = gen0;
        counters[(int)ProcessCounter.Gen1Collections] = gen1;
        counters[(int)ProcessCounter.Gen2Collections] = gen2;
        counters[(int)ProcessCounter.GcPauseTicks] = pauseTicks;
        counters[(int)ProcessCounter.AllocatedBytes] = GC.GetTotalAllocatedBytes(precise: false);
        counters[(int)ProcessCounter.CpuUserTicks] = cpu.UserTime.Ticks;
        counters[(int)ProcessCounter.CpuSystemTicks] = cpu.PrivilegedTime.Ticks;
        counters[(int)ProcessCounter.WorkItems] = ThreadPool.CompletedWorkItemCount;
        counters[(int)ProcessCounter.LockContentions] = Monitor.LockContentionCount;
        counters[(int)ProcessCounter.Exceptions] = _ledger.Exceptions;
        counters[(int)ProcessCounter.JitMethods] = JitInfo.GetCompiledMethodCount();
        counters[(int)ProcessCounter.JitIlBytes] = JitInfo.GetCompiledILBytes();
        counters[(int)ProcessCounter.JitTicks] = JitInfo.GetCompilationTime().Ticks;
        _ledger.Take(counters[..ProcessCounterLedger.Count]);

        gauges.Fill(double.NaN);
        gauges[(int)RuntimeGauge.PoolThreads] = ThreadPool.ThreadCount;
        if (schema != HerokuMetricsSchema.DotNet)
        {
            gauges[(int)RuntimeGauge.HeapBytes] = GC.GetTotalMemory(forceFullCollection: false);
        }

        if (schema == HerokuMetricsSchema.Go)
        {
            return;
        }

        if (LastCollection(gen0 + gen1 + gen2, pauseTicks) is { } info)
        {
            gauges[(int)RuntimeGauge.CommittedBytes] = info.TotalCommittedBytes;
            var generations = info.GenerationInfo;
            for (var g = 0; g < 5 && g < generations.Length; g++)
            {
                gauges[(int)RuntimeGauge.Gen0Size + g] = generations[g].SizeAfterBytes;
                gauges[(int)RuntimeGauge.Gen0Fragmentation + g] = generations[g].FragmentationAfterBytes;
            }
        }

        gauges[(int)RuntimeGauge.CpuCount] = Environment.ProcessorCount;
        gauges[(int)RuntimeGauge.WorkingSet] = _workingSet.Read();
        gauges[(int)RuntimeGauge.QueueLength] = ThreadPool.PendingWorkItemCount;
        gauges[(int)RuntimeGauge.Timers] = Timer.ActiveCount;
        gauges[(int)RuntimeGauge.Assemblies] = _assemblies.Read();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ledger.UnwatchExceptions();
        _workingSet.Dispose();
        _assemblies.Dispose();
    }

    // GetGCMemoryInfo allocates (~288 B), and its answer changes only when a GC has ended: ask again only when the GC
    // count (every generation's) or the total pause this sample read has moved since the last answer. A background GC bumps the count when it
    // starts and pauses again before it ends, which usually picks up its record; at worst a report shows the sizes of the
    // GC before it until the next GC, never a made-up number.
    private GCMemoryInfo? LastCollection(long collections, long pauseTicks)
    {
        if (collections != _gcInfoCollections || pauseTicks != _gcInfoPauseTicks)
        {
            _gcInfo = GC.GetGCMemoryInfo();
            _gcInfoCollections = collections;
            _gcInfoPauseTicks = pauseTicks;
        }

        // Before the first GC there is no "last collection": the runtime answers zeros, which would be invented numbers.
        return _gcInfo.Index == 0 ? null : _gcInfo;
    }
}
