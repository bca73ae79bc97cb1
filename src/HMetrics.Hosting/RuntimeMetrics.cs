using System.Runtime;
using System.Threading;
using static HMetrics.Hosting.RuntimeMetric.SchemaSet;

namespace HMetrics.Hosting;

/// <summary>
/// The table of posted names and the .NET readings behind them. The README's mapping table mirrors it.
/// </summary>
internal sealed class RuntimeMetrics : IDisposable
{
    private const double NanosecondsPerTick = 100;

    private long _exceptions;
    private int _gcInfoCollectionCount = -1;
    private GCMemoryInfo _gcInfo;

    public RuntimeMetrics()
    {
        AppDomain.CurrentDomain.FirstChanceException += OnFirstChanceException;
        All =
        [
            // Go schema: the names Heroku's Go agent posts, where .NET has an honest reading.
            new("go.gc.collections", isCounter: true, Go, static () => GC.CollectionCount(0)),
            new("go.gc.pause.ns", isCounter: true, Go, static () => GC.GetTotalPauseDuration().Ticks * NanosecondsPerTick),
            new("go.memory.heap.bytes", isCounter: false, Go, static () => GC.GetTotalMemory(forceFullCollection: false)),
            new("go.routines", isCounter: false, Go, static () => ThreadPool.ThreadCount),

            // DotNet schema: System.Runtime meter names and units; attributes folded into the name.
            new("dotnet.gc.collections.gen0", isCounter: true, DotNet, static () => GC.CollectionCount(0) - GC.CollectionCount(1)),
            new("dotnet.gc.collections.gen1", isCounter: true, DotNet, static () => GC.CollectionCount(1) - GC.CollectionCount(2)),
            new("dotnet.gc.collections.gen2", isCounter: true, DotNet, static () => GC.CollectionCount(2)),
            new("dotnet.gc.pause.time", isCounter: true, DotNet, static () => GC.GetTotalPauseDuration().TotalSeconds),
            new("dotnet.gc.heap.total_allocated", isCounter: true, DotNet, static () => GC.GetTotalAllocatedBytes(precise: false)),
            new("dotnet.gc.last_collection.memory.committed_size", isCounter: false, DotNet, () => GcInfo().TotalCommittedBytes),
            new("dotnet.gc.last_collection.heap.size.gen0", isCounter: false, DotNet, () => Generation(0).SizeAfterBytes),
            new("dotnet.gc.last_collection.heap.size.gen1", isCounter: false, DotNet, () => Generation(1).SizeAfterBytes),
            new("dotnet.gc.last_collection.heap.size.gen2", isCounter: false, DotNet, () => Generation(2).SizeAfterBytes),
            new("dotnet.gc.last_collection.heap.size.loh", isCounter: false, DotNet, () => Generation(3).SizeAfterBytes),
            new("dotnet.gc.last_collection.heap.size.poh", isCounter: false, DotNet, () => Generation(4).SizeAfterBytes),
            new("dotnet.gc.last_collection.heap.fragmentation.size.gen0", isCounter: false, DotNet, () => Generation(0).FragmentationAfterBytes),
            new("dotnet.gc.last_collection.heap.fragmentation.size.gen1", isCounter: false, DotNet, () => Generation(1).FragmentationAfterBytes),
            new("dotnet.gc.last_collection.heap.fragmentation.size.gen2", isCounter: false, DotNet, () => Generation(2).FragmentationAfterBytes),
            new("dotnet.gc.last_collection.heap.fragmentation.size.loh", isCounter: false, DotNet, () => Generation(3).FragmentationAfterBytes),
            new("dotnet.gc.last_collection.heap.fragmentation.size.poh", isCounter: false, DotNet, () => Generation(4).FragmentationAfterBytes),
            new("dotnet.process.cpu.time.user", isCounter: true, DotNet, static () => Environment.CpuUsage.UserTime.TotalSeconds),
            new("dotnet.process.cpu.time.system", isCounter: true, DotNet, static () => Environment.CpuUsage.PrivilegedTime.TotalSeconds),
            new("dotnet.process.cpu.count", isCounter: false, DotNet, static () => Environment.ProcessorCount),
            new("dotnet.process.memory.working_set", isCounter: false, DotNet, static () => Environment.WorkingSet),
            new("dotnet.thread_pool.thread.count", isCounter: false, DotNet, static () => ThreadPool.ThreadCount),
            new("dotnet.thread_pool.queue.length", isCounter: false, DotNet, static () => ThreadPool.PendingWorkItemCount),
            new("dotnet.thread_pool.work_item.count", isCounter: true, DotNet, static () => ThreadPool.CompletedWorkItemCount),
            new("dotnet.monitor.lock_contentions", isCounter: true, DotNet, static () => Monitor.LockContentionCount),
            new("dotnet.exceptions", isCounter: true, DotNet, () => Interlocked.Read(ref _exceptions)),
            new("dotnet.timer.count", isCounter: false, DotNet, static () => Timer.ActiveCount),
            new("dotnet.jit.compiled_methods", isCounter: true, DotNet, static () => JitInfo.GetCompiledMethodCount()),
            new("dotnet.jit.compiled_il.size", isCounter: true, DotNet, static () => JitInfo.GetCompiledILBytes()),
            new("dotnet.jit.compilation.time", isCounter: true, DotNet, static () => JitInfo.GetCompilationTime().TotalSeconds),
            new("dotnet.assembly.count", isCounter: false, DotNet, static () => AppDomain.CurrentDomain.GetAssemblies().Length),
        ];
    }

    public RuntimeMetric[] All { get; }

    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnFirstChanceException;

    private void OnFirstChanceException(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e) =>
        Interlocked.Increment(ref _exceptions);

    // GetGCMemoryInfo allocates, and its answer changes only when a GC has happened: ask again only then.
    private GCMemoryInfo GcInfo()
    {
        var count = GC.CollectionCount(0);
        if (count != _gcInfoCollectionCount)
        {
            _gcInfo = GC.GetGCMemoryInfo();
            _gcInfoCollectionCount = count;
        }

        return _gcInfo;
    }

    private GCGenerationInfo Generation(int index)
    {
        var generations = GcInfo().GenerationInfo;
        return index < generations.Length ? generations[index] : default;
    }
}
