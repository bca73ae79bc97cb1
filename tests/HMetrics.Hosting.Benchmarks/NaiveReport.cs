using System.Globalization;
using System.Runtime;
using System.Text;
using System.Text.Json;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The report a first version would write: the same names and readings, straight from the runtime APIs, into
/// dictionaries serialised by <see cref="JsonSerializer"/> and sent as a <see cref="StringContent"/>. It keeps no counter
/// baseline (it posts cumulative values), which only flatters it.
/// </summary>
internal static class NaiveReport
{
    public static Dictionary<string, Dictionary<string, double>> Read(HerokuMetricsSchema schema)
    {
        var counters = new Dictionary<string, double>();
        var gauges = new Dictionary<string, double>();
        if (schema != HerokuMetricsSchema.DotNet)
        {
            counters["go.gc.collections"] = GC.CollectionCount(0);
            counters["go.gc.pause.ns"] = GC.GetTotalPauseDuration().Ticks * 100d;
            gauges["go.memory.heap.bytes"] = GC.GetTotalMemory(false);
            gauges["go.routines"] = ThreadPool.ThreadCount;
        }

        if (schema != HerokuMetricsSchema.Go)
        {
            string[] generations = ["gen0", "gen1", "gen2", "loh", "poh"];
            for (var gen = 0; gen <= 2; gen++)
            {
                counters["dotnet.gc.collections." + generations[gen]] = GC.CollectionCount(gen) - (gen < 2 ? GC.CollectionCount(gen + 1) : 0);
            }

            counters["dotnet.gc.pause.time"] = GC.GetTotalPauseDuration().TotalSeconds;
            counters["dotnet.gc.heap.total_allocated"] = GC.GetTotalAllocatedBytes();
            var info = GC.GetGCMemoryInfo();
            gauges["dotnet.gc.last_collection.memory.committed_size"] = info.TotalCommittedBytes;
            for (var gen = 0; gen < info.GenerationInfo.Length; gen++)
            {
                gauges["dotnet.gc.last_collection.heap.size." + generations[gen]] = info.GenerationInfo[gen].SizeAfterBytes;
                gauges["dotnet.gc.last_collection.heap.fragmentation.size." + generations[gen]] = info.GenerationInfo[gen].FragmentationAfterBytes;
            }

            var cpu = Environment.CpuUsage;
            counters["dotnet.process.cpu.time.user"] = cpu.UserTime.TotalSeconds;
            counters["dotnet.process.cpu.time.system"] = cpu.PrivilegedTime.TotalSeconds;
            gauges["dotnet.process.cpu.count"] = Environment.ProcessorCount;
            gauges["dotnet.process.memory.working_set"] = Environment.WorkingSet;
            gauges["dotnet.thread_pool.thread.count"] = ThreadPool.ThreadCount;
            gauges["dotnet.thread_pool.queue.length"] = ThreadPool.PendingWorkItemCount;
            counters["dotnet.thread_pool.work_item.count"] = ThreadPool.CompletedWorkItemCount;
            counters["dotnet.monitor.lock_contentions"] = Monitor.LockContentionCount;
            gauges["dotnet.timer.count"] = Timer.ActiveCount;
            counters["dotnet.jit.compiled_methods"] = JitInfo.GetCompiledMethodCount();
            counters["dotnet.jit.compiled_il.size"] = JitInfo.GetCompiledILBytes();
            counters["dotnet.jit.compilation.time"] = JitInfo.GetCompilationTime().TotalSeconds;
            gauges["dotnet.assembly.count"] = AppDomain.CurrentDomain.GetAssemblies().Length;
        }

        return new() { ["counters"] = counters, ["gauges"] = gauges };
    }

    public static HttpRequestMessage Request(Uri uri, HerokuMetricsSchema schema, string userAgent)
    {
        var report = Read(schema);
        var json = JsonSerializer.Serialize(report);
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.ParseAdd(userAgent);
        request.Headers.Add("Measurements-Time", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture));
        request.Headers.Add("Measurements-Count", (report["counters"].Count + report["gauges"].Count).ToString(CultureInfo.InvariantCulture));
        return request;
    }
}
