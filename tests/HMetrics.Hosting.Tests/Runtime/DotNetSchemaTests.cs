using HMetrics.Hosting.Tests.Helpers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HMetrics.Hosting.Tests.Runtime;

public sealed partial class DotNetSchemaTests
{
    // The System.Runtime meter's instruments, attributes folded into the name; docs/metric-mapping.md lists them.
    private static readonly string[] DotNetCounters =
    [
        "dotnet.gc.collections.gen0", "dotnet.gc.collections.gen1", "dotnet.gc.collections.gen2",
        "dotnet.gc.pause.time", "dotnet.gc.heap.total_allocated",
        "dotnet.process.cpu.time.user", "dotnet.process.cpu.time.system",
        "dotnet.thread_pool.work_item.count", "dotnet.monitor.lock_contentions", "dotnet.exceptions",
        "dotnet.jit.compiled_methods", "dotnet.jit.compiled_il.size", "dotnet.jit.compilation.time",
    ];

    private static readonly string[] DotNetGauges =
    [
        "dotnet.gc.last_collection.memory.committed_size",
        "dotnet.gc.last_collection.heap.size.gen0", "dotnet.gc.last_collection.heap.size.gen1",
        "dotnet.gc.last_collection.heap.size.gen2", "dotnet.gc.last_collection.heap.size.loh",
        "dotnet.gc.last_collection.heap.size.poh",
        "dotnet.gc.last_collection.heap.fragmentation.size.gen0", "dotnet.gc.last_collection.heap.fragmentation.size.gen1",
        "dotnet.gc.last_collection.heap.fragmentation.size.gen2", "dotnet.gc.last_collection.heap.fragmentation.size.loh",
        "dotnet.gc.last_collection.heap.fragmentation.size.poh",
        "dotnet.process.cpu.count", "dotnet.process.memory.working_set",
        "dotnet.thread_pool.thread.count", "dotnet.thread_pool.queue.length",
        "dotnet.timer.count", "dotnet.assembly.count",
    ];

    private static readonly string[] GoCounters = ["go.gc.collections", "go.gc.pause.ns"];
    private static readonly string[] GoGauges = ["go.memory.heap.bytes", "go.routines"];

    [Theory]
    [InlineData(HerokuMetricsSchema.Go)]
    [InlineData(HerokuMetricsSchema.DotNet)]
    [InlineData(HerokuMetricsSchema.Both)]
    public void Each_schema_posts_exactly_its_names_as_counters_and_gauges(HerokuMetricsSchema schema)
    {
        // A GC has happened in any test process by now; the sizes after the last GC exist only then.
        GC.Collect(0);
        using var probe = new SampleProbe(new ProcessCounterLedger());
        var body = probe.Write(probe.Read(schema), out var count);

        using var json = JsonDocument.Parse(body);
        var counters = Names(json.RootElement.GetProperty("counters"));
        var gauges = Names(json.RootElement.GetProperty("gauges"));
        string[] expectedCounters = schema switch
        {
            HerokuMetricsSchema.Go => GoCounters,
            HerokuMetricsSchema.DotNet => DotNetCounters,
            _ => [.. GoCounters, .. DotNetCounters],
        };
        string[] expectedGauges = schema switch
        {
            HerokuMetricsSchema.Go => GoGauges,
            HerokuMetricsSchema.DotNet => DotNetGauges,
            _ => [.. GoGauges, .. DotNetGauges],
        };

        Assert.Equal(expectedCounters.Order(), counters.Order());
        Assert.Equal(expectedGauges.Order(), gauges.Order());
        Assert.Equal(counters.Count + gauges.Count, count);
        Assert.All(counters.Concat(gauges), name => Assert.Matches(StatsdName(), name));
        Assert.Equal(2, json.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public void Every_name_in_the_table_passes_the_statsd_rule_and_is_unique()
    {
        var metrics = RuntimeMetricTable.All;
        Assert.All(metrics, m => Assert.Matches(StatsdName(), m.Name));
        Assert.Equal(metrics.Length, metrics.Select(m => m.Name).Distinct().Count());
    }

    [Fact]
    public void The_working_set_is_the_one_the_runtime_reports()
    {
        using var reader = new WorkingSetReader();
        if (OperatingSystem.IsLinux())
        {
            Assert.True(reader.ReadsProcfs, "on Linux the working set is read from /proc/self/statm");
        }

        var runtimeBefore = Environment.WorkingSet;
        var ours = reader.Read();
        var runtimeAfter = Environment.WorkingSet;

        // Resident pages move while other tests run; the two readings bracket ours within a few pages of slack.
        const long Slack = 8L * 1024 * 1024;
        Assert.InRange(ours, Math.Min(runtimeBefore, runtimeAfter) - Slack, Math.Max(runtimeBefore, runtimeAfter) + Slack);
        Assert.Equal(0, ours % Environment.SystemPageSize);
    }

    [Fact]
    public void Cpu_time_counters_are_seconds_of_the_process_cpu_usage()
    {
        // A ledger of its own, so the first sample carries the process's whole CPU time, not this reader's share of it.
        using var probe = new SampleProbe(new ProcessCounterLedger());

        var before = Environment.CpuUsage;
        using var body = probe.Take(HerokuMetricsSchema.DotNet);
        var after = Environment.CpuUsage;
        var userSeconds = SampleProbe.Counter(body, "dotnet.process.cpu.time.user");
        var systemSeconds = SampleProbe.Counter(body, "dotnet.process.cpu.time.system");

        Assert.InRange(userSeconds, before.UserTime.TotalSeconds, after.UserTime.TotalSeconds);
        Assert.InRange(systemSeconds, before.PrivilegedTime.TotalSeconds, after.PrivilegedTime.TotalSeconds);
    }

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    // heroku-metrics-protocol.md: tokens of letters and digits joined by '.', '_' or '-'.
    [GeneratedRegex("^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$")]
    private static partial Regex StatsdName();
}
