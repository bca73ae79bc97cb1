using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// One measured process of the report-cost probe. It starts its mode, lets it warm up, then measures a window: CPU from
/// <c>getrusage(RUSAGE_SELF)</c> (user + system, via <see cref="Environment.CpuUsage"/>) and bytes from
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/>, and prints one <c>RESULT</c> line. The sink counts what arrived.
/// </summary>
/// <remarks>
/// Uses only the library's public API (<c>AddHerokuMetrics</c>, <see cref="HerokuMetricsOptions"/>,
/// <see cref="HerokuMetricsSchema"/>), so the probe measures whatever the library's internals become.
/// <para>Modes:</para>
/// <list type="bullet">
/// <item><c>idle</c>: the generic host with nothing added (what every host mode is netted against).</item>
/// <item><c>bare-idle</c>: a process with no host that only sleeps.</item>
/// <item><c>sync-floor</c>: a hand-written loop on its own thread, one reused <see cref="HttpClient"/>, synchronous <c>Send</c>.</item>
/// <item><c>async-floor</c>: the same with <see cref="PeriodicTimer"/> and <c>PostAsync</c>.</item>
/// <item><c>async-floor-cancelafter</c>: the async floor with one reused linked source, <c>CancelAfter(interval / 2)</c>
/// per request and <c>TryReset</c> after it: the library's timeout pattern at its clamp, on the floor.</item>
/// <item><c>go</c>, <c>dotnet</c>, <c>both</c>: the generic host with <c>AddHerokuMetrics</c> and that schema.</item>
/// <item><c>go-lab10x</c>: <c>go</c> with the per-attempt timeout's timer stretched to 10× the interval by a lab clock
/// (<see cref="StretchedTimeouts"/>), so it is never the earliest timer; <c>go-labtp</c>: the same clock, nothing stretched.</item>
/// <item><c>otel</c>: the generic host with OpenTelemetry's runtime instrumentation and OTLP/HTTP exporter at the same
/// interval (its default 10 s request timeout); <c>otel-t50</c>: the exporter's timeout at half the interval, the
/// proportion of its 10 s default to a 20 s interval.</item>
/// <item><c>lean:k=v,...</c>: a send path built from parts, to see what each part costs (see <see cref="LeanSpec"/>).</item>
/// </list>
/// </remarks>
internal static class ReportCostChild
{
    // A Go-schema-sized body (the four names, realistic values): floors and lean paths send it fixed.
    private static readonly ReadOnlyMemory<byte> Body =
        """{"counters":{"go.gc.collections":17,"go.gc.pause.ns":2839174},"gauges":{"go.memory.heap.bytes":4857216,"go.memory.heap.objects":31873}}"""u8.ToArray();

    private static long _sent;
    private static long _failed;

    /// <summary><c>--report-cost-child MODE URL WINDOW_MS WARMUP_MS INTERVAL_MS</c>.</summary>
    /// <remarks>
    /// Synchronous on purpose: the main thread starts the host and then only sleeps, as an app's main thread blocks in
    /// <c>Run()</c>. Awaiting here could move the rest onto a pool thread and hold a pool worker asleep through the window.
    /// </remarks>
    public static void Run(string mode, Uri url, int windowMs, int warmupMs, int intervalMs)
    {
        var interval = TimeSpan.FromMilliseconds(intervalMs);
        using var stop = new CancellationTokenSource();
        IHost? host = null;
        Task? loop = null;
        var name = mode.Split('+')[0];
        switch (name)
        {
            case "idle":
                host = ProbeHosts.Build();
                break;
            case "bare-idle":
                break;
            case "sync-floor":
                loop = StartThread(() => SyncFloor(url, interval, stop.Token));
                break;
            case "async-floor":
                loop = Task.Run(() => AsyncFloorAsync(url, interval, null, stop.Token));
                break;
            case "async-floor-cancelafter":
                // The library's clamp at this interval: half of it, so the timeout is the process's earliest timer.
                loop = Task.Run(() => AsyncFloorAsync(url, interval, interval / 2, stop.Token));
                break;
            case "go":
                host = ProbeHosts.Build(b => ProbeHosts.AddReporter(b, HerokuMetricsSchema.Go, url, interval));
                break;
            case "dotnet":
                host = ProbeHosts.Build(b => ProbeHosts.AddReporter(b, HerokuMetricsSchema.DotNet, url, interval));
                break;
            case "both":
                host = ProbeHosts.Build(b => ProbeHosts.AddReporter(b, HerokuMetricsSchema.Both, url, interval));
                break;
            case "go-lab10x":
            case "go-labtp":
                host = ProbeHosts.Build(b =>
                {
                    ProbeHosts.AddLabClock(b, name == "go-lab10x" ? interval * 10 : null);
                    ProbeHosts.AddReporter(b, HerokuMetricsSchema.Go, url, interval);
                });
                break;
            case "otel":
                host = ProbeHosts.Build(b => ProbeHosts.AddOpenTelemetry(b, url, interval, null));
                break;
            case "otel-t50":
                host = ProbeHosts.Build(b => ProbeHosts.AddOpenTelemetry(b, url, interval, interval / 2));
                break;
            case var lean when lean.StartsWith("lean:", StringComparison.Ordinal):
                var spec = LeanSpec.Parse(name["lean:".Length..], interval);
                loop = spec.SyncLoop
                    ? StartThread(() => spec.RunSync(url, interval, stop.Token))
                    : Task.Run(() => spec.RunAsync(url, interval, stop.Token));
                break;
            default:
                throw new ArgumentException($"Unknown mode '{mode}'.", nameof(mode));
        }

        if (host is not null)
        {
            host.StartAsync().GetAwaiter().GetResult();
        }

        // Warm-up: at least warmupMs, then until two whole seconds pass without a method being JIT-compiled (tiering has
        // settled), at most 30 s. A report's steady cost is what a dyno pays for weeks; the JIT is paid once.
        _ = ContextSwitches();
        Thread.Sleep(warmupMs);
        var settleStart = Stopwatch.GetTimestamp();
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetElapsedTime(settleStart) < TimeSpan.FromSeconds(30))
        {
            // The probe's own reading is warmed with everything else, so its tiering never lands in the window.
            _ = ContextSwitches();
            Thread.Sleep(2000);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == jitted)
            {
                break;
            }

            jitted = now;
        }

        var settledMs = (long)Stopwatch.GetElapsedTime(settleStart).TotalMilliseconds + warmupMs;

        // The main thread only sleeps: it wakes twice per window.
        // Read outside the CPU window (and compiled during the warm-up) so the reading costs the window nothing.
        // The parent may start `perf stat -p` for a window's length when it reads this line; the short lead lets it attach
        // before the window starts, so its span and the window's are the same length in the same steady state.
        Console.WriteLine("WINDOW");
        Console.Out.Flush();
        Thread.Sleep(200);
        var switches0 = ContextSwitches();
        var jit0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime0 = System.Runtime.JitInfo.GetCompilationTime();
        var t0 = Stopwatch.GetTimestamp();
        var cpu0 = Environment.CpuUsage;
        var bytes0 = GC.GetTotalAllocatedBytes(true);
        var gc0 = GC.CollectionCount(0);
        var sent0 = Interlocked.Read(ref _sent);
        Thread.Sleep(windowMs);
        var t1 = Stopwatch.GetTimestamp();
        var cpu1 = Environment.CpuUsage;
        var bytes1 = GC.GetTotalAllocatedBytes(true);
        var gc1 = GC.CollectionCount(0);
        var sent1 = Interlocked.Read(ref _sent);
        var jit1 = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime1 = System.Runtime.JitInfo.GetCompilationTime();
        var switches1 = ContextSwitches();

        if (loop is { IsFaulted: true })
        {
            // A loop that died measured nothing: fail loudly rather than print a zero.
            loop.GetAwaiter().GetResult();
        }

        // Context switches by thread name over the window: how often each kind of thread was woken (or preempted).
        var byThread = switches1
            .Select(kv => (kv.Key, Count: kv.Value - switches0.GetValueOrDefault(kv.Key)))
            .Where(t => t.Count > 0)
            .OrderByDescending(t => t.Count)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key.Replace(' ', '_')}={t.Count}"));
        Console.WriteLine("SWITCHES " + string.Join(';', byThread));

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT {t0} {t1} {(cpu1.UserTime - cpu0.UserTime).Ticks / 10} {(cpu1.PrivilegedTime - cpu0.PrivilegedTime).Ticks / 10} {bytes1 - bytes0} {gc1 - gc0} {sent1 - sent0} {Interlocked.Read(ref _failed)} {Stopwatch.Frequency} {jit1 - jit0} {settledMs} {(jitTime1 - jitTime0).Ticks / 10}"));
        Console.Out.Flush();

        // Nothing after the window is measured: leave without a graceful stop (the flush is off anyway).
        stop.Cancel();
        Environment.Exit(0);
    }

    /// <summary>Voluntary + involuntary context switches of the live threads, summed by thread name (Linux; else empty).</summary>
    private static Dictionary<string, long> ContextSwitches()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!Directory.Exists("/proc/self/task"))
        {
            return result;
        }

        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                long count = 0;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) ||
                        line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        count += long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }

                result[name] = result.GetValueOrDefault(name) + count;
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return result;
    }

    private static Task StartThread(Action body)
    {
        var done = new TaskCompletionSource();
        var thread = new Thread(() =>
        {
            body();
            done.TrySetResult();
        })
        {
            IsBackground = true,
            Name = "report loop",
        };
        thread.Start();
        return done.Task;
    }

    private static void SyncFloor(Uri url, TimeSpan interval, CancellationToken stop)
    {
        using var client = new HttpClient();
        var start = Stopwatch.GetTimestamp();
        for (long tick = 1; !stop.IsCancellationRequested; tick++)
        {
            SleepUntil(start, tick, interval);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(Body) };
            using var response = client.Send(request, stop);
            Count(response.StatusCode);
        }
    }

    private static async Task AsyncFloorAsync(Uri url, TimeSpan interval, TimeSpan? timeout, CancellationToken stop)
    {
        using var client = new HttpClient();
        using var timer = new PeriodicTimer(interval);

        // async-floor-cancelafter: one source reused, re-armed per request and reset after it, as the library's sender does.
        var deadline = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                deadline?.CancelAfter(timeout!.Value);
                try
                {
                    using var content = new ReadOnlyMemoryContent(Body);
                    using var response = await client.PostAsync(url, content, deadline?.Token ?? stop).ConfigureAwait(false);
                    Count(response.StatusCode);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    Count(HttpStatusCode.RequestTimeout);
                }
                finally
                {
                    if (deadline is not null && !deadline.TryReset())
                    {
                        deadline.Dispose();
                        deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    }
                }
            }
        }
        finally
        {
            deadline?.Dispose();
        }
    }

    internal static void SleepUntil(long start, long tick, TimeSpan interval)
    {
        var due = start + (long)(tick * interval.TotalSeconds * Stopwatch.Frequency);
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }

    internal static void Count(HttpStatusCode status)
    {
        if (status == HttpStatusCode.OK)
        {
            Interlocked.Increment(ref _sent);
        }
        else
        {
            Interlocked.Increment(ref _failed);
        }
    }

    internal static ReadOnlyMemory<byte> FixedBody => Body;
}
