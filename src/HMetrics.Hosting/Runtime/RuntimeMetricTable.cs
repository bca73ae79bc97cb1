using System.Runtime;
using System.Threading;
using static HMetrics.Hosting.Runtime.RuntimeMetric.SchemaSet;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// The table of posted names and the .NET readings behind them. The README's mapping table mirrors it.
/// </summary>
internal sealed class RuntimeMetricTable : IDisposable
{
    private const double NanosecondsPerTick = 100;

    private readonly WorkingSetReader _workingSet = new();
    private readonly AssemblyCounter _assemblies = new();
    private readonly ProcessCounterLedger _ledger;
    private readonly GcCountReader _gcCounts;
    private int _disposed;
    private int _gcInfoCollectionCount = -1;
    private long _gcInfoPauseTicks = -1;
    private double _pendingCpuSystemSeconds = double.NaN;
    private GCMemoryInfo _gcInfo;

    /// <param name="ledger">Where process-wide counts are handed out; the process's own unless a test isolates itself.</param>
    /// <param name="collectionCount">Reads <see cref="GC.CollectionCount(int)"/>; a test can play a GC storm through it.</param>
    public RuntimeMetricTable(ProcessCounterLedger? ledger = null, Func<int, int>? collectionCount = null)
    {
        _ledger = ledger ?? ProcessCounterLedger.Shared;
        _gcCounts = collectionCount is null ? new GcCountReader() : new GcCountReader(collectionCount);
        _ledger.WatchExceptions();
        All =
        [
            // Go schema: the names Heroku's Go agent posts, where .NET has an honest reading.
            Counter("go.gc.collections", Go, () => _gcCounts.Read(GcCountReader.Count.Total)),
            Counter("go.gc.pause.ns", Go, static () => GC.GetTotalPauseDuration().Ticks * NanosecondsPerTick),
            new("go.memory.heap.bytes", isCounter: false, Go, static () => GC.GetTotalMemory(forceFullCollection: false)),
            new("go.routines", isCounter: false, Go, static () => ThreadPool.ThreadCount),

            // DotNet schema: System.Runtime meter names and units; attributes folded into the name.
            Counter("dotnet.gc.collections.gen0", DotNet, () => _gcCounts.Read(GcCountReader.Count.Gen0)),
            Counter("dotnet.gc.collections.gen1", DotNet, () => _gcCounts.Read(GcCountReader.Count.Gen1)),
            Counter("dotnet.gc.collections.gen2", DotNet, () => _gcCounts.Read(GcCountReader.Count.Gen2)),
            Counter("dotnet.gc.pause.time", DotNet, static () => GC.GetTotalPauseDuration().TotalSeconds),
            Counter("dotnet.gc.heap.total_allocated", DotNet, static () => GC.GetTotalAllocatedBytes(precise: false)),
            new("dotnet.gc.last_collection.memory.committed_size", isCounter: false, DotNet, () => LastCollection() is { } info ? info.TotalCommittedBytes : double.NaN),
            new("dotnet.gc.last_collection.heap.size.gen0", isCounter: false, DotNet, () => Generation(0, fragmentation: false)),
            new("dotnet.gc.last_collection.heap.size.gen1", isCounter: false, DotNet, () => Generation(1, fragmentation: false)),
            new("dotnet.gc.last_collection.heap.size.gen2", isCounter: false, DotNet, () => Generation(2, fragmentation: false)),
            new("dotnet.gc.last_collection.heap.size.loh", isCounter: false, DotNet, () => Generation(3, fragmentation: false)),
            new("dotnet.gc.last_collection.heap.size.poh", isCounter: false, DotNet, () => Generation(4, fragmentation: false)),
            new("dotnet.gc.last_collection.heap.fragmentation.size.gen0", isCounter: false, DotNet, () => Generation(0, fragmentation: true)),
            new("dotnet.gc.last_collection.heap.fragmentation.size.gen1", isCounter: false, DotNet, () => Generation(1, fragmentation: true)),
            new("dotnet.gc.last_collection.heap.fragmentation.size.gen2", isCounter: false, DotNet, () => Generation(2, fragmentation: true)),
            new("dotnet.gc.last_collection.heap.fragmentation.size.loh", isCounter: false, DotNet, () => Generation(3, fragmentation: true)),
            new("dotnet.gc.last_collection.heap.fragmentation.size.poh", isCounter: false, DotNet, () => Generation(4, fragmentation: true)),
            Counter("dotnet.process.cpu.time.user", DotNet, () => CpuUserSeconds()),
            Counter("dotnet.process.cpu.time.system", DotNet, () => CpuSystemSeconds()),
            new("dotnet.process.cpu.count", isCounter: false, DotNet, static () => Environment.ProcessorCount),
            new("dotnet.process.memory.working_set", isCounter: false, DotNet, () => _workingSet.Read()),
            new("dotnet.thread_pool.thread.count", isCounter: false, DotNet, static () => ThreadPool.ThreadCount),
            new("dotnet.thread_pool.queue.length", isCounter: false, DotNet, static () => ThreadPool.PendingWorkItemCount),
            Counter("dotnet.thread_pool.work_item.count", DotNet, static () => ThreadPool.CompletedWorkItemCount),
            Counter("dotnet.monitor.lock_contentions", DotNet, static () => Monitor.LockContentionCount),
            Counter("dotnet.exceptions", DotNet, () => _ledger.Exceptions),
            new("dotnet.timer.count", isCounter: false, DotNet, static () => Timer.ActiveCount),
            Counter("dotnet.jit.compiled_methods", DotNet, static () => JitInfo.GetCompiledMethodCount()),
            Counter("dotnet.jit.compiled_il.size", DotNet, static () => JitInfo.GetCompiledILBytes()),
            Counter("dotnet.jit.compilation.time", DotNet, static () => JitInfo.GetCompilationTime().TotalSeconds),
            new("dotnet.assembly.count", isCounter: false, DotNet, () => _assemblies.Read()),
        ];
    }

    public RuntimeMetric[] All { get; }

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

    // Every counter of the table is process-wide: each reporter posts only the increments handed to it, so two hosts in
    // one process, or one rebuilt, never report the same GC (or CPU second, or exception) twice.
    private RuntimeMetric Counter(string name, RuntimeMetric.SchemaSet schemas, Func<double> read) =>
        new(name, isCounter: true, schemas, new ProcessCounterShare(name, read, _ledger).Read);

    // One Environment.CpuUsage call (a syscall, microseconds) answers both modes, as in the runtime's meter: the user
    // reading, which comes first in the table, keeps the system time of the same sample for the reading after it.
    private double CpuUserSeconds()
    {
        var usage = Environment.CpuUsage;
        _pendingCpuSystemSeconds = usage.PrivilegedTime.TotalSeconds;
        return usage.UserTime.TotalSeconds;
    }

    private double CpuSystemSeconds()
    {
        var seconds = _pendingCpuSystemSeconds;
        _pendingCpuSystemSeconds = double.NaN;
        return double.IsNaN(seconds) ? Environment.CpuUsage.PrivilegedTime.TotalSeconds : seconds;
    }

    // GetGCMemoryInfo allocates (~288 B), and its answer changes only when a GC has ended: ask again only when the GC
    // count or the total pause has moved since the last answer. A background GC bumps the count when it starts and
    // pauses again before it ends, which usually picks up its record; at worst a report shows the sizes of the GC
    // before it until the next GC, never a made-up number.
    private GCMemoryInfo? LastCollection()
    {
        var count = GC.CollectionCount(0);
        var pauseTicks = GC.GetTotalPauseDuration().Ticks;
        if (count != _gcInfoCollectionCount || pauseTicks != _gcInfoPauseTicks)
        {
            _gcInfo = GC.GetGCMemoryInfo();
            _gcInfoCollectionCount = count;
            _gcInfoPauseTicks = pauseTicks;
        }

        // Before the first GC there is no "last collection": the runtime answers zeros, which would be invented numbers.
        return _gcInfo.Index == 0 ? null : _gcInfo;
    }

    // Generations are gen0, gen1, gen2, loh, poh; a runtime that reports fewer has no reading for the rest.
    private double Generation(int index, bool fragmentation)
    {
        if (LastCollection() is not { } info || index >= info.GenerationInfo.Length)
        {
            return double.NaN;
        }

        var generation = info.GenerationInfo[index];
        return fragmentation ? generation.FragmentationAfterBytes : generation.SizeAfterBytes;
    }
}
