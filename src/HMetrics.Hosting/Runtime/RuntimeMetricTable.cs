using System.Collections.Immutable;
using static HMetrics.Hosting.Runtime.RuntimeMetric.SchemaSet;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// The table of posted names and the runtime readings behind them; docs/metric-mapping.md mirrors it.
/// </summary>
/// <remarks>
/// A name is a view of the sample's readings: <c>go.gc.collections</c> is the sum of the three generations' increments
/// of the same sample, so a <c>Both</c> sample's generations always add up to it; <c>go.gc.pause.ns</c> and
/// <c>dotnet.gc.pause.time</c> are the same pause ticks in two units.
/// </remarks>
internal static class RuntimeMetricTable
{
    private const double TicksPerSecond = TimeSpan.TicksPerSecond;
    private const double NanosecondsPerTick = 100;

    /// <summary>Every posted name, counters and gauges, in the order a body lists them.</summary>
    public static ImmutableArray<RuntimeMetric> All { get; } =
    [
        // Go schema: the names Heroku's Go agent posts, where .NET has an honest reading.
        RuntimeMetric.Counter("go.gc.collections", Go, ProcessCounter.Gen0Collections, ProcessCounter.Gen2Collections),
        RuntimeMetric.Counter("go.gc.pause.ns", Go, ProcessCounter.GcPauseTicks, multiplier: NanosecondsPerTick),
        RuntimeMetric.Gauge("go.memory.heap.bytes", Go, RuntimeGauge.HeapBytes),
        RuntimeMetric.Gauge("go.routines", Go, RuntimeGauge.PoolThreads),

        // DotNet schema: System.Runtime meter names and units; attributes folded into the name.
        RuntimeMetric.Counter("dotnet.gc.collections.gen0", DotNet, ProcessCounter.Gen0Collections),
        RuntimeMetric.Counter("dotnet.gc.collections.gen1", DotNet, ProcessCounter.Gen1Collections),
        RuntimeMetric.Counter("dotnet.gc.collections.gen2", DotNet, ProcessCounter.Gen2Collections),
        RuntimeMetric.Counter("dotnet.gc.pause.time", DotNet, ProcessCounter.GcPauseTicks, divisor: TicksPerSecond),
        RuntimeMetric.Counter("dotnet.gc.heap.total_allocated", DotNet, ProcessCounter.AllocatedBytes),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.memory.committed_size", DotNet, RuntimeGauge.CommittedBytes),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.size.gen0", DotNet, RuntimeGauge.Gen0Size),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.size.gen1", DotNet, RuntimeGauge.Gen1Size),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.size.gen2", DotNet, RuntimeGauge.Gen2Size),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.size.loh", DotNet, RuntimeGauge.LohSize),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.size.poh", DotNet, RuntimeGauge.PohSize),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.fragmentation.size.gen0", DotNet, RuntimeGauge.Gen0Fragmentation),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.fragmentation.size.gen1", DotNet, RuntimeGauge.Gen1Fragmentation),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.fragmentation.size.gen2", DotNet, RuntimeGauge.Gen2Fragmentation),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.fragmentation.size.loh", DotNet, RuntimeGauge.LohFragmentation),
        RuntimeMetric.Gauge("dotnet.gc.last_collection.heap.fragmentation.size.poh", DotNet, RuntimeGauge.PohFragmentation),
        RuntimeMetric.Counter("dotnet.process.cpu.time.user", DotNet, ProcessCounter.CpuUserTicks, divisor: TicksPerSecond),
        RuntimeMetric.Counter("dotnet.process.cpu.time.system", DotNet, ProcessCounter.CpuSystemTicks, divisor: TicksPerSecond),
        RuntimeMetric.Gauge("dotnet.process.cpu.count", DotNet, RuntimeGauge.CpuCount),
        RuntimeMetric.Gauge("dotnet.process.memory.working_set", DotNet, RuntimeGauge.WorkingSet),
        RuntimeMetric.Gauge("dotnet.thread_pool.thread.count", DotNet, RuntimeGauge.PoolThreads),
        RuntimeMetric.Gauge("dotnet.thread_pool.queue.length", DotNet, RuntimeGauge.QueueLength),
        RuntimeMetric.Counter("dotnet.thread_pool.work_item.count", DotNet, ProcessCounter.WorkItems),
        RuntimeMetric.Counter("dotnet.monitor.lock_contentions", DotNet, ProcessCounter.LockContentions),
        RuntimeMetric.Counter("dotnet.exceptions", DotNet, ProcessCounter.Exceptions),
        RuntimeMetric.Gauge("dotnet.timer.count", DotNet, RuntimeGauge.Timers),
        RuntimeMetric.Counter("dotnet.jit.compiled_methods", DotNet, ProcessCounter.JitMethods),
        RuntimeMetric.Counter("dotnet.jit.compiled_il.size", DotNet, ProcessCounter.JitIlBytes),
        RuntimeMetric.Counter("dotnet.jit.compilation.time", DotNet, ProcessCounter.JitTicks, divisor: TicksPerSecond),
        RuntimeMetric.Gauge("dotnet.assembly.count", DotNet, RuntimeGauge.Assemblies),
    ];

    /// <summary>Gets how many gauge slots a sample holds.</summary>
    public static int GaugeCount { get; } = Enum.GetValues<RuntimeGauge>().Length;
}
