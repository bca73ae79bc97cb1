using System.Globalization;
using Microsoft.Extensions.Hosting;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// One measured process of the footprint probe: a worker host (the worker template's builder) with one reporter or
/// none, started and left running. Its main thread only waits on standard input: a line <c>snap</c> makes it print one
/// <c>SNAP</c> line with what only the runtime knows (GC heap and committed bytes, JIT-compiled methods and IL bytes,
/// loaded assemblies, timers, pool threads); end of input ends the process. Everything else (RSS, private bytes,
/// threads, mappings) the probe reads from /proc from outside, so the reading costs the process nothing.
/// </summary>
/// <remarks>
/// Modes: <c>empty</c> (the host alone), <c>floor</c> (+ <see cref="FloorLoopService"/>; <c>floor+polly</c>,
/// <c>floor+factory</c>, <c>floor+json</c>: <see cref="FloorPartsLoopService"/> with those stand-in parts), <c>hm</c> (+ <c>AddHerokuMetrics()</c>,
/// Go schema, the library's defaults but the endpoint and, unless 0, the interval), <c>otel</c> (+ OpenTelemetry's
/// runtime instrumentation and OTLP/HTTP exporter, defaults but the endpoint and interval). Interval 0 means each
/// one's default: the library's own, 20 s for the floor and for OpenTelemetry (Heroku's interval).
/// </remarks>
internal static class FootprintChild
{
    /// <summary><c>--footprint-child MODE URL INTERVAL_MS</c>.</summary>
    /// <remarks>Synchronous on purpose: the main thread blocks on standard input, as an app's blocks in <c>Run()</c>, and no pool thread is held.</remarks>
    public static void Run(string mode, Uri url, int intervalMs)
    {
        TimeSpan? interval = intervalMs > 0 ? TimeSpan.FromMilliseconds(intervalMs) : null;
        var every = interval ?? TimeSpan.FromSeconds(20);
        var parts = mode.Split('+');
        var extra = parts.Skip(1).ToHashSet(StringComparer.Ordinal);
        using var host = parts[0] switch
        {
            "empty" => ProbeHosts.Build(),
            "floor" when extra.Count == 0 => ProbeHosts.Build(b => ProbeHosts.AddFloorLoop(b, url, every)),
            "floor" => ProbeHosts.Build(b => ProbeHosts.AddFloorLoopWithParts(b, url, every, extra)),
            "hm" => ProbeHosts.Build(b => ProbeHosts.AddReporter(b, HerokuMetricsSchema.Go, url, interval)),
            "otel" => ProbeHosts.Build(b => ProbeHosts.AddOpenTelemetry(b, url, every, null)),
            _ => throw new ArgumentException($"Unknown mode '{mode}'.", nameof(mode)),
        };
        host.StartAsync().GetAwaiter().GetResult();
        Console.WriteLine("READY");
        Console.Out.Flush();

        while (Console.In.ReadLine() is { } line)
        {
            if (line.Trim() == "snap")
            {
                // No collection is forced: the heap is read as it is, and committed bytes as of the last GC.
                var info = GC.GetGCMemoryInfo();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"SNAP heap={GC.GetTotalMemory(false)} committed={info.TotalCommittedBytes} heapAtLastGc={info.HeapSizeBytes} gen0={GC.CollectionCount(0)} gen2={GC.CollectionCount(2)} allocated={GC.GetTotalAllocatedBytes(false)} jitMethods={System.Runtime.JitInfo.GetCompiledMethodCount()} jitIl={System.Runtime.JitInfo.GetCompiledILBytes()} assemblies={AppDomain.CurrentDomain.GetAssemblies().Length} timers={Timer.ActiveCount} poolThreads={ThreadPool.ThreadCount}"));
                Console.Out.Flush();
            }
        }

        // Nothing after the last reading is measured: leave without a graceful stop.
        Environment.Exit(0);
    }
}
