using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// What one report costs the process that sends it: each mode in a fresh child process, a 50 ms interval so hundreds
/// of reports fit a window, a loopback sink in yet another process (so its cost is never counted), modes interleaved
/// over repetitions, medians. CPU and bytes per report are net of an idle generic host.
/// </summary>
/// <remarks>
/// <c>--report-cost [--window SECONDS] [--warmup SECONDS] [--reps N] [--interval MS] [--modes m1;m2;...] [--lean] [--perf]</c>.
/// Defaults: 10 s windows, at least 2 s warm-up (then until tiering settles), 3 repetitions, 50 ms, and issue 20's
/// split (<see cref="DefaultModes"/>: the library, its lab variant without an earliest timeout timer, the floors, the
/// async floor with the library's timeout pattern, OpenTelemetry; each with and without the pool's spinning), about
/// 13 minutes. <c>--lean</c> runs the lean-path experiment's modes instead (see <see cref="LeanSpec"/>). A mode may end
/// in <c>+spin0</c> to run its child with the thread pool's spin-wait off (<c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c>).
/// <c>--perf</c> also counts each child's context switches and task clock over its window with <c>perf stat</c>
/// (software events; it adds a little to every switch, so compare CPU only between runs both with or both without it).
/// </remarks>
internal static class ReportCostProbe
{
    private const string Idle = "idle";

    // Issue 20: the gap between the library and the async floor, split by measurement in one run.
    private static readonly string[] DefaultModes =
    [
        "go",
        "go+spin0",
        "go-labtp",
        "go-labtp+spin0",
        "go-lab10x",
        "go-lab10x+spin0",
        "async-floor",
        "async-floor+spin0",
        "async-floor-cancelafter",
        "async-floor-cancelafter+spin0",
        "sync-floor",
        "sync-floor+spin0",
        "otel",
        "otel+spin0",
        "otel-t50",
        Idle,
    ];

    // What each difference of two modes (both in the run) accounts for: label, minuend, subtrahend.
    private static readonly (string Label, string A, string B)[] Splits =
    [
        ("the whole gap: library − async floor", "go", "async-floor"),
        ("the earliest-timer timeout, same lab clock: timeout as shipped − timeout at 10× the interval", "go-labtp", "go-lab10x"),
        ("… the same with the pool's spinning off", "go-labtp+spin0", "go-lab10x+spin0"),
        ("the earliest-timer timeout: library as shipped − library on the lab clock with the timeout at 10×", "go", "go-lab10x"),
        ("the lab clock itself (should be ~0): library on the lab clock, nothing stretched − library", "go-labtp", "go"),
        ("the rest: library at 10× − async floor", "go-lab10x", "async-floor"),
        ("… the same with the pool's spinning off", "go-lab10x+spin0", "async-floor+spin0"),
        ("a CancelAfter below the interval, on the floor: floor + CancelAfter(interval/2) − floor", "async-floor-cancelafter", "async-floor"),
        ("… the same with the pool's spinning off", "async-floor-cancelafter+spin0", "async-floor+spin0"),
        ("the pool's spinning, library: spin on − spin off", "go", "go+spin0"),
        ("the pool's spinning, library at 10×", "go-lab10x", "go-lab10x+spin0"),
        ("the pool's spinning, async floor", "async-floor", "async-floor+spin0"),
        ("the pool's spinning, sync floor", "sync-floor", "sync-floor+spin0"),
        ("the pool's spinning, OpenTelemetry", "otel", "otel+spin0"),
        ("library − OpenTelemetry", "go", "otel"),
        ("OpenTelemetry with its timeout at half the interval − at 10 s", "otel-t50", "otel"),
        ("async floor − sync floor", "async-floor", "sync-floor"),
    ];

    private static readonly string[] LeanModes =
    [
        "sync-floor",
        "async-floor",
        "lean:send=factory,handler=lib,read=headers,cts=two,hdr=lib",
        "lean:send=client,handler=lib,read=headers,cts=two,hdr=lib",
        "lean:send=invoker,handler=lib,cts=two,hdr=lib",
        "lean:send=invoker,handler=lean,cts=two,hdr=lib",
        "lean:send=invoker,handler=lean,cts=reuse,hdr=lib",
        "lean:send=invoker,handler=lean,cts=reuse,hdr=pre",
        "lean:send=invoker,handler=lean,cts=reuse,hdr=pre+spin0",
        "lean:loop=sync,send=invoker,handler=lean,hdr=pre",
        "go+spin0",
        "go",
        Idle,
    ];

    public static async Task RunAsync(string[] args)
    {
        var windowS = Option(args, "--window", 10.0);
        var warmupS = Option(args, "--warmup", 2.0);
        var reps = (int)Option(args, "--reps", 3.0);
        var intervalMs = (int)Option(args, "--interval", 50.0);
        var modes = args.Contains("--lean") ? LeanModes : DefaultModes;
        var modesIndex = Array.IndexOf(args, "--modes");
        if (modesIndex >= 0)
        {
            modes = args[modesIndex + 1].Split(';', StringSplitOptions.RemoveEmptyEntries);
        }

        if (!modes.Contains(Idle))
        {
            modes = [.. modes, Idle];
        }

        var perf = args.Contains("--perf") && PerfWorks();
        var (sink, url) = await StartSinkAsync();
        using var query = new HttpClient { BaseAddress = url };
        var samples = modes.ToDictionary(m => m, _ => new List<Sample>(), StringComparer.Ordinal);
        var loads = new List<string> { LoadAverage() };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report-cost: {modes.Length} modes x {reps} repetitions, {windowS} s windows, {intervalMs} ms interval; sink {url}; load {loads[0]}"));
        try
        {
            for (var rep = 0; rep < reps; rep++)
            {
                // Interleaved, and each repetition starts one mode later, so drift in the machine's load touches all modes alike.
                for (var k = 0; k < modes.Length; k++)
                {
                    var mode = modes[(k + rep) % modes.Length];
                    var token = string.Create(CultureInfo.InvariantCulture, $"{rep}-{k}-{Guid.NewGuid():N}");
                    var sample = await RunChildAsync(mode, new Uri(url, "/r/" + token), windowS, warmupS, intervalMs, perf);
                    var delivered = int.Parse(
                        await query.GetStringAsync(string.Create(CultureInfo.InvariantCulture, $"/count/{token}?from={sample.T0}&to={sample.T1}")),
                        CultureInfo.InvariantCulture);
                    sample = sample with { Delivered = delivered };
                    samples[mode].Add(sample);
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"  rep {rep + 1} {mode}: cpu {sample.CpuUs / 1000.0:F1} ms (user {sample.UserUs / 1000.0:F1}), {sample.Bytes:N0} B, {sample.Gen0} gen0, delivered {delivered}, failed {sample.Failed}; warm-up {sample.WarmupMs} ms, {sample.Jitted} methods JIT-compiled in the window ({sample.JitUs / 1000.0:F1} ms); context switches {sample.SwitchesByThread}{(perf ? $"; perf: {sample.PerfSwitches} switches, {sample.PerfTaskClockMs:F1} ms task clock" : "")}"));
                }

                loads.Add(LoadAverage());
            }
        }
        finally
        {
            sink.StandardInput.Close();
            await sink.WaitForExitAsync();
            sink.Dispose();
        }

        var report = Table(modes, samples, windowS, intervalMs, reps, loads);
        Console.WriteLine();
        Console.WriteLine(report);
        var directory = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "ReportCostProbe-report.md"), report);
    }

    private static string Table(string[] modes, Dictionary<string, List<Sample>> samples, double windowS, int intervalMs, int reps, List<string> loads)
    {
        var idleCpu = Median(samples[Idle].Select(s => (double)s.CpuUs));
        var idleBytes = Median(samples[Idle].Select(s => (double)s.Bytes));
        var idleSwitches = Median(samples[Idle].Select(s => (double)s.Switches));

        // Per repetition net of the idle host's median, then the median of those.
        var idlePerf = Median(samples[Idle].Select(s => (double)s.PerfSwitches));
        (double Bytes, double Cpu, double Delivered, double Jit, double CpuNoJit, double Switches, double PerfSwitches, double CpuMin, double CpuMax) PerReport(string mode) =>
        (
            Median(samples[mode].Select(s => (s.Bytes - idleBytes) / Math.Max(1, s.Delivered))),
            Median(samples[mode].Select(s => (s.CpuUs - idleCpu) / Math.Max(1, s.Delivered))),
            Median(samples[mode].Select(s => (double)s.Delivered)),
            Median(samples[mode].Select(s => (double)s.JitUs / Math.Max(1, s.Delivered))),
            Median(samples[mode].Select(s => (s.CpuUs - s.JitUs - idleCpu) / Math.Max(1, s.Delivered))),
            Median(samples[mode].Select(s => (double)(s.Switches - idleSwitches) / Math.Max(1, s.Delivered))),
            Median(samples[mode].Select(s => (s.PerfSwitches - idlePerf) / Math.Max(1, s.Delivered))),
            samples[mode].Min(s => (s.CpuUs - idleCpu) / Math.Max(1, s.Delivered)),
            samples[mode].Max(s => (s.CpuUs - idleCpu) / Math.Max(1, s.Delivered)));
        var perf = samples.Values.Any(l => l.Any(s => s.PerfSwitches > 0));

        var floorMode = modes.Contains("sync-floor") ? "sync-floor" : modes[0];
        var floor = PerReport(floorMode);
        var expected = windowS * 1000 / intervalMs;
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Report cost: each mode a fresh process, {windowS} s window after warm-up, {intervalMs} ms interval (~{expected:F0} reports due), {reps} repetitions interleaved, medians; net of the idle host ({idleCpu / 1000:F1} ms CPU, {idleBytes:N0} B per window); sink in its own process.")
            .AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) at start and after each repetition: {string.Join(" → ", loads)}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"| per report | bytes | CPU µs | CPU µs, min–max of the reps | vs sync floor (bytes / CPU) | reports delivered | of the CPU: late JIT µs | CPU µs without late JIT | vs sync floor | context switches (/proc) |{(perf ? " context switches (perf stat) |" : "")}")
            .AppendLine(CultureInfo.InvariantCulture, $"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|{(perf ? "---:|" : "")}");
        foreach (var mode in modes.Where(m => m != Idle))
        {
            var r = PerReport(mode);
            _ = text.AppendLine(CultureInfo.InvariantCulture, $"| {Describe(mode)} | {r.Bytes:N0} | {r.Cpu:N0} | {r.CpuMin:N0}–{r.CpuMax:N0} | {r.Bytes / floor.Bytes:F2} / {r.Cpu / floor.Cpu:F2} | {r.Delivered:F0} | {r.Jit:N0} | {r.CpuNoJit:N0} | {r.CpuNoJit / floor.CpuNoJit:F2} | {r.Switches:F1} |{(perf ? string.Create(CultureInfo.InvariantCulture, $" {r.PerfSwitches:F1} |") : "")}");
        }

        // The split: each difference of two modes of this run, in µs of CPU and context switches per report.
        var splits = Splits.Where(x => samples.ContainsKey(x.A) && samples.ContainsKey(x.B)).ToList();
        if (splits.Count > 0)
        {
            _ = text.AppendLine()
                .AppendLine("| what the difference measures | CPU µs per report | context switches per report |")
                .AppendLine("|---|---:|---:|");
            foreach (var (label, a, b) in splits)
            {
                var (ra, rb) = (PerReport(a), PerReport(b));
                _ = text.AppendLine(CultureInfo.InvariantCulture, $"| {label} (`{a}` − `{b}`) | {ra.Cpu - rb.Cpu:+#,0;−#,0;0} | {ra.Switches - rb.Switches:+0.0;−0.0;0} |");
            }
        }

        return text.ToString();
    }

    private static string Describe(string mode) => mode switch
    {
        _ when mode.EndsWith("+spin0", StringComparison.Ordinal) => Describe(mode[..^"+spin0".Length]) + ", pool spinning off",
        "sync-floor" => "floor: hand-written loop, reused `HttpClient`, sync `Send` on its own thread",
        "async-floor" => "floor: same loop with `PeriodicTimer` + `PostAsync`",
        "async-floor-cancelafter" => "async floor + one reused CTS, `CancelAfter(interval/2)` per request",
        "go" => "**HMetrics.Hosting, Go schema**",
        "go-lab10x" => "HMetrics.Hosting, Go, lab: timeout timer at 10× the interval",
        "go-labtp" => "HMetrics.Hosting, Go, lab clock, nothing stretched",
        "otel" => "OpenTelemetry: runtime instrumentation + OTLP/HTTP exporter (10 s timeout)",
        "otel-t50" => "OpenTelemetry, exporter timeout at half the interval",
        "dotnet" => "HMetrics.Hosting, DotNet schema",
        "both" => "HMetrics.Hosting, Both schema",
        "bare-idle" => "idle process (no host, no loop)",
        _ when mode.IndexOf('@', StringComparison.Ordinal) is > 0 and var at => Describe(mode[..at]) + " — " + mode[(at + 1)..] + " build",
        _ => "`" + mode + "`",
    };

    internal static async Task<(Process Sink, Uri Url)> StartSinkAsync()
    {
        var start = ChildStart("--report-cost-sink");
        start.RedirectStandardInput = true;
        var sink = Process.Start(start)!;
        while (await sink.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("URL ", StringComparison.Ordinal))
            {
                return (sink, new Uri(line[4..]));
            }
        }

        throw new InvalidOperationException("The sink process ended without printing its URL.");
    }

    private static async Task<Sample> RunChildAsync(string mode, Uri url, double windowS, double warmupS, int intervalMs, bool perf)
    {
        // "go@before": the same mode run by another build of this probe (REPORT_COST_BUILD_BEFORE names its dll), so two
        // versions of the library are measured interleaved in one run, under the same load.
        var at = mode.IndexOf('@', StringComparison.Ordinal);
        var build = at < 0 ? null : Environment.GetEnvironmentVariable("REPORT_COST_BUILD_" + mode[(at + 1)..].ToUpperInvariant())
            ?? throw new InvalidOperationException($"Mode {mode} needs REPORT_COST_BUILD_{mode[(at + 1)..].ToUpperInvariant()} set to a build of the probe.");
        var start = ChildStartIn(
            build,
            "--report-cost-child",
            at < 0 ? mode : mode[..at],
            url.ToString(),
            ((int)(windowS * 1000)).ToString(CultureInfo.InvariantCulture),
            ((int)(warmupS * 1000)).ToString(CultureInfo.InvariantCulture),
            intervalMs.ToString(CultureInfo.InvariantCulture));
        if (mode.EndsWith("+spin0", StringComparison.Ordinal))
        {
            start.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        Process? perfStat = null;
        while (await process.StandardOutput.ReadLineAsync() is { } childLine)
        {
            _ = output.AppendLine(childLine);
            if (perf && childLine.StartsWith("WINDOW", StringComparison.Ordinal))
            {
                // Counts the child's threads for a window's length, starting ~200 ms before the child's window (its lead).
                perfStat = Process.Start(new ProcessStartInfo("perf", ["stat", "-x", ",", "-e", "context-switches,task-clock", "-p", process.Id.ToString(CultureInfo.InvariantCulture), "--", "sleep", windowS.ToString(CultureInfo.InvariantCulture)])
                {
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
            }
        }

        await process.WaitForExitAsync();
        var (perfSwitches, perfTaskClockMs) = (0L, 0.0);
        if (perfStat is not null)
        {
            var counts = await perfStat.StandardError.ReadToEndAsync();
            await perfStat.WaitForExitAsync();
            perfStat.Dispose();
            foreach (var fields in counts.Split('\n').Select(l => l.Split(',')).Where(f => f.Length > 2))
            {
                if (fields[2].StartsWith("context-switches", StringComparison.Ordinal))
                {
                    perfSwitches = long.Parse(fields[0], CultureInfo.InvariantCulture);
                }
                else if (fields[2].StartsWith("task-clock", StringComparison.Ordinal))
                {
                    perfTaskClockMs = double.Parse(fields[0], CultureInfo.InvariantCulture);
                }
            }
        }

        var lines = output.ToString().Split('\n');
        var line = lines.FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Mode {mode} printed no result:\n{output}");
        var switches = lines.FirstOrDefault(l => l.StartsWith("SWITCHES ", StringComparison.Ordinal))?["SWITCHES ".Length..].Trim() ?? "";
        var switchCount = switches.Split(';', StringSplitOptions.RemoveEmptyEntries).Sum(p => long.Parse(p[(p.LastIndexOf('=') + 1)..], CultureInfo.InvariantCulture));
        var f = line.Split(' ').Skip(1).Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (f[8] != Stopwatch.Frequency)
        {
            throw new InvalidOperationException("The child's clock differs from the parent's.");
        }

        return new Sample(f[0], f[1], f[2] + f[3], f[2], f[4], f[5], f[6], f[7], f[9], f[10], f[11], switchCount, switches, 0, perfSwitches, perfTaskClockMs);
    }

    private static bool PerfWorks()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("perf", ["stat", "-e", "context-switches", "true"]) { RedirectStandardError = true, UseShellExecute = false })!;
            _ = probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            if (probe.ExitCode == 0)
            {
                return true;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not installed.
        }

        Console.WriteLine("--perf: `perf stat -e context-switches` does not work here; counting from /proc only.");
        return false;
    }

    internal static ProcessStartInfo ChildStart(params string[] args) => ChildStartIn(null, args);

    private static ProcessStartInfo ChildStartIn(string? otherBuild, params string[] args)
    {
        var start = new ProcessStartInfo(otherBuild is null ? Environment.ProcessPath! : "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        if (otherBuild is not null)
        {
            start.ArgumentList.Add(otherBuild);
        }

        // Under `dotnet run` the process is the app host; under `dotnet <dll>` it is dotnet itself.
        else if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ReportCostProbe).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    internal static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join('/', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private sealed record Sample(long T0, long T1, long CpuUs, long UserUs, long Bytes, long Gen0, long Sent, long Failed, long Jitted, long WarmupMs, long JitUs, long Switches, string SwitchesByThread, int Delivered, long PerfSwitches, double PerfTaskClockMs);
}
