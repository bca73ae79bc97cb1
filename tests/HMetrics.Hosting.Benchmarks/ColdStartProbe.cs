using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// Start-up as an app sees it once per process: fresh processes build and start a host without the library, with
/// <c>AddHerokuMetrics()</c>, and with the stand-ins (<see cref="StartupStandIns"/>: the parts the design promises, a
/// hosted <c>BackgroundService</c>, a client from <c>IHttpClientFactory</c>, options bound and validated on start, with
/// none of the library's code); each reports the milliseconds to a started host and the assemblies then loaded.
/// </summary>
internal static class ColdStartProbe
{
    private const int Runs = 15;

    /// <summary>The child's variant from its command-line word: <c>with</c>, <c>without</c> or <c>standins</c>.</summary>
    public static StartVariant ParseVariant(string word) => word switch
    {
        "with" => StartVariant.With,
        "without" => StartVariant.Without,
        "standins" => StartVariant.StandIns,
        _ => throw new ArgumentException($"Unknown start-up variant '{word}'.", nameof(word)),
    };

    public static async Task RunChildAsync(StartVariant variant, bool listAssemblies = false)
    {
        // Every assembly load from here on, with when it happened, so the list can be cut at ApplicationStarted.
        var loads = new List<(string Name, double Ms)>();
        var stopwatch = Stopwatch.StartNew();
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
        {
            lock (loads)
            {
                loads.Add((e.LoadedAssembly.GetName().Name ?? "?", stopwatch.Elapsed.TotalMilliseconds));
            }
        };
        var preloaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "?").ToHashSet(StringComparer.Ordinal);

        stopwatch.Restart();
        using var host = StartupBenchmarks.Build(variant);
        var builtMs = stopwatch.Elapsed.TotalMilliseconds;
        var atStarted = (Ms: 0.0, Assemblies: 0, JitMethods: 0L, JitMs: 0.0);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        using var registration = lifetime.ApplicationStarted.Register(() => atStarted = (
            stopwatch.Elapsed.TotalMilliseconds,
            AppDomain.CurrentDomain.GetAssemblies().Length,
            JitInfo.GetCompiledMethodCount(),
            JitInfo.GetCompilationTime().TotalMilliseconds));
        await host.StartAsync();
        var startedMs = stopwatch.Elapsed.TotalMilliseconds;
        var assemblies = AppDomain.CurrentDomain.GetAssemblies();

        // What the reporter's own run loads after the host reported started, while it activates.
        await Task.Delay(500);
        var afterMs = stopwatch.Elapsed.TotalMilliseconds;
        var after = AppDomain.CurrentDomain.GetAssemblies().Length;
        await host.StopAsync();

        // Fields: ms to StartAsync's return, assemblies then (the first two are what RunAsync has always read), ms of
        // Build, ms / assemblies / JIT-compiled methods / JIT ms at ApplicationStarted, assemblies 500 ms later.
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{startedMs:F2} {assemblies.Length} {builtMs:F2} {atStarted.Ms:F2} {atStarted.Assemblies} {atStarted.JitMethods} {atStarted.JitMs:F2} {after}"));
        if (listAssemblies)
        {
            // Name, then when it loaded (ms since Build began; "pre" = before Build) and whether that was before
            // ApplicationStarted.
            var when = new Dictionary<string, double>(StringComparer.Ordinal);
            lock (loads)
            {
                foreach (var (name, ms) in loads)
                {
                    when.TryAdd(name, ms);
                }
            }

            foreach (var name in AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "?").Order(StringComparer.Ordinal))
            {
                var at = preloaded.Contains(name) || !when.TryGetValue(name, out var ms) ? "pre" : ms.ToString("F1", CultureInfo.InvariantCulture);
                var phase = preloaded.Contains(name) || (when.TryGetValue(name, out var t) && t <= atStarted.Ms) ? "before-started" : $"after-started(+{afterMs - atStarted.Ms:F0}ms window)";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {at} {phase}"));
            }
        }
    }

    /// <summary>
    /// <c>--probe with|without --phases</c>: the same start-up split into the steps that can be forced from outside, each
    /// with its milliseconds, methods JIT-compiled and assemblies loaded: Build; binding and validating the options;
    /// constructing the hosted services; the rest of StartAsync.
    /// </summary>
    public static async Task RunPhasesAsync(StartVariant variant)
    {
        var phases = new List<string>();
        var loaded = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stopwatch = Stopwatch.StartNew();
        void Mark(string name)
        {
            var elapsed = stopwatch.Elapsed.TotalMilliseconds;
            var assemblies = AppDomain.CurrentDomain.GetAssemblies();
            phases.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}={elapsed:F1}ms/{JitInfo.GetCompiledMethodCount()}jit/{JitInfo.GetCompilationTime().TotalMilliseconds:F1}jitms/{assemblies.Length}asm"));

            // Which assemblies each step loaded (not for the first mark: that is the process's own start).
            var added = assemblies.Select(a => a.GetName().Name ?? "?").Where(seen.Add).Order(StringComparer.Ordinal).ToList();
            if (phases.Count > 1 && added.Count > 0)
            {
                loaded.Add(name + ": " + string.Join(',', added));
            }

            stopwatch.Restart();
        }

        Mark("before");
        using var host = StartupBenchmarks.Build(variant);
        Mark("build");
        if (variant == StartVariant.With)
        {
            ReadOptions(host.Services);
        }
        else if (variant == StartVariant.StandIns)
        {
            StartupStandIns.ReadOptions(host.Services);
        }

        Mark("options");
        _ = host.Services.GetServices<IHostedService>().ToList();
        Mark("hosted-services");
        await host.StartAsync();
        Mark("start");
        await host.StopAsync();
        Console.WriteLine(string.Join(' ', phases));
        Console.WriteLine(string.Join(" | ", loaded));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReadOptions(IServiceProvider services) =>
        _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<HerokuMetricsOptions>>().CurrentValue;

    public static async Task RunAsync()
    {
        // Interleaved, so a change in the machine's load touches every variant alike.
        var without = new List<Sample>();
        var with = new List<Sample>();
        var standIns = new List<Sample>();
        var loads = new List<string> { ReportCostProbe.LoadAverage() };
        for (var i = 0; i < Runs; i++)
        {
            without.Add(await SampleAsync("without"));
            with.Add(await SampleAsync("with"));
            standIns.Add(await SampleAsync("standins"));
        }

        loads.Add(ReportCostProbe.LoadAverage());
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Cold start-up, {Runs} fresh processes each, interleaved (medians; ms from Build to ApplicationStarted; assemblies loaded and methods JIT-compiled by then; assemblies 500 ms later). Load average (1/5/15 min) before → after: {string.Join(" → ", loads)}")
            .AppendLine()
            .AppendLine("| host | Build→started ms | min | max | of which Build ms | assemblies at started | 500 ms later | JIT methods at started | JIT ms at started |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            .AppendLine(Row("without AddHerokuMetrics", without))
            .AppendLine(Row("with AddHerokuMetrics", with))
            .AppendLine(Row("stand-ins (BackgroundService + AddHttpClient + options validated on start)", standIns))
            .AppendLine(Added("added by AddHerokuMetrics", with, without))
            .AppendLine(Added("added by the stand-ins", standIns, without))
            .AppendLine(Added("AddHerokuMetrics − stand-ins (goal ≤ 2 ms)", with, standIns))
            .ToString();
        Console.WriteLine(report);
        var directory = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "ColdStartProbe-report.md"), report);
    }

    private static string Added(string name, List<Sample> a, List<Sample> b) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {name} | {Median(a, s => s.StartedMs) - Median(b, s => s.StartedMs):F1} | | | {Median(a, s => s.BuildMs) - Median(b, s => s.BuildMs):F1} | {Median(a, s => s.AssembliesAtStarted) - Median(b, s => s.AssembliesAtStarted):F0} | {Median(a, s => s.AssembliesLater) - Median(b, s => s.AssembliesLater):F0} | {Median(a, s => s.JitMethods) - Median(b, s => s.JitMethods):F0} | {Median(a, s => s.JitMs) - Median(b, s => s.JitMs):F1} |");

    private static string Row(string name, List<Sample> samples) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {name} | {Median(samples, s => s.StartedMs):F1} | {samples.Min(s => s.StartedMs):F1} | {samples.Max(s => s.StartedMs):F1} | {Median(samples, s => s.BuildMs):F1} | {Median(samples, s => s.AssembliesAtStarted):F0} | {Median(samples, s => s.AssembliesLater):F0} | {Median(samples, s => s.JitMethods):F0} | {Median(samples, s => s.JitMs):F1} |");

    private static double Median(List<Sample> samples, Func<Sample, double> value) =>
        samples.Select(value).Order().ElementAt(samples.Count / 2);

    private static async Task<Sample> SampleAsync(string variant)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // Under `dotnet run` the process is the app host; under `dotnet <dll>` it is dotnet itself.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ColdStartProbe).Assembly.Location);
        }

        start.ArgumentList.Add("--probe");
        start.ArgumentList.Add(variant);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var f = output.Trim().Split('\n')[0].Split(' ').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new Sample(f[2], f[3], f[4], f[5], f[6], f[7]);
    }

    private sealed record Sample(double BuildMs, double StartedMs, double AssembliesAtStarted, double JitMethods, double JitMs, double AssembliesLater);
}
