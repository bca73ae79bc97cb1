using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// Issue 26's footprint probe: what a reporter adds to a process's resident memory and threads, beside the floor loop
/// and OpenTelemetry, each its own process, all alive at once against one loopback sink in another process (so every
/// mode meets the same machine at the same moment), read after a warm-up, at the end of an outage with a full backlog
/// (the sink answers 503 to everything), and after recovery.
/// </summary>
/// <remarks>
/// <c>--footprint [--warmup S] [--outage S] [--recovery S] [--reps N] [--intervals "0;1000"] [--modes "empty;floor;hm;otel"] [--webapp DLL | --no-webapp]</c>.
/// Defaults: 60 s warm-up, 600 s outage, 120 s recovery, 1 repetition, each mode at its default interval (0) and at
/// 1 s, and the web app sample (built in Release) with reporting on at both intervals and with
/// <c>HerokuMetrics__Enabled=false</c>: about 14 minutes. Smoke: <c>--warmup 10 --outage 15 --recovery 10</c>.
/// <c>--outage 0</c> takes the warm reading only. At the default interval a 60 s warm-up is three reports: the tiered
/// JIT re-compiles a method after 30 calls, so the readings after the outage (11 minutes in) are the steady ones there.
/// Processes start one after another (each once it reports ready), in an order rotated per repetition; the warm-up
/// counts from the last start. Memory and threads come from /proc (<see cref="ProcFs"/>); GC, JIT and assembly counts
/// from the child itself (<see cref="FootprintChild"/>), on request, from its otherwise idle main thread.
/// </remarks>
internal static class FootprintProbe
{
    private static readonly string[] DefaultModes = ["empty", "floor", "hm", "otel"];

    public static async Task RunAsync(string[] args)
    {
        var warmupS = ReportCostProbe.Option(args, "--warmup", 60);
        var outageS = ReportCostProbe.Option(args, "--outage", 600);
        var recoveryS = ReportCostProbe.Option(args, "--recovery", 120);
        var reps = (int)ReportCostProbe.Option(args, "--reps", 1);
        var intervals = ListOption(args, "--intervals", "0;1000").Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var modes = ListOption(args, "--modes", string.Join(';', DefaultModes));
        var webapp = args.Contains("--no-webapp") ? null : StringOption(args, "--webapp") ?? FindWebApp();

        var specs = new List<Spec>();
        for (var rep = 0; rep < reps; rep++)
        {
            var round = new List<Spec>();
            foreach (var mode in modes)
            {
                // The empty host sends nothing: one process serves every interval.
                foreach (var interval in mode == "empty" ? [0] : intervals)
                {
                    round.Add(new Spec(mode, interval, rep));
                }
            }

            if (webapp is not null)
            {
                round.Add(new Spec("webapp-off", 0, rep));
                round.AddRange(intervals.Select(i => new Spec("webapp", i, rep)));
            }

            // Each repetition starts one process later, so start order touches every mode alike.
            specs.AddRange(round.Skip(rep % round.Count).Concat(round.Take(rep % round.Count)));
        }

        var (sink, url) = await ReportCostProbe.StartSinkAsync();
        using var query = new HttpClient { BaseAddress = url };
        var loads = new List<string> { ReportCostProbe.LoadAverage() };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"footprint: {specs.Count} processes, warm-up {warmupS} s, outage {outageS} s, recovery {recoveryS} s; sink {url}; web app {webapp ?? "not measured"}; load {loads[0]}"));
        var children = new List<Child>();
        var readings = new List<Reading>();
        try
        {
            foreach (var spec in specs)
            {
                var child = await Child.StartAsync(spec, url, webapp);
                children.Add(child);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  started {spec.Label} (pid {child.Pid})"));
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            var phases = new (string Name, double WaitS, string? SinkCommand)[]
            {
                ("warm", warmupS, null),
                ("outage", outageS, "fail"),
                ("recovered", recoveryS, "ok"),
            };
            // --outage 0: the warm reading only (a quick look at one state, e.g. pricing the floor's stand-in parts).
            foreach (var (phase, waitS, command) in phases.Where(p => p.Name == "warm" || outageS > 0))
            {
                if (command is not null)
                {
                    await sink.StandardInput.WriteLineAsync(command);
                    await sink.StandardInput.FlushAsync();
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {phase}: waiting {waitS} s ({DateTime.UtcNow:HH:mm:ss} UTC)"));
                await Task.Delay(TimeSpan.FromSeconds(waitS));
                loads.Add(ReportCostProbe.LoadAverage());
                foreach (var child in children)
                {
                    var reading = await child.ReadAsync(phase, query);
                    readings.Add(reading);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {phase} {child.Spec.Label}: RSS {Mb(reading.Proc.GetValueOrDefault("VmRSS")):F1} MB, private {Mb(reading.Proc.GetValueOrDefault("Private")):F1} MB, threads {reading.Proc.GetValueOrDefault("Threads")}, POSTs {reading.Posts}"));
                }
            }
        }
        finally
        {
            foreach (var child in children)
            {
                child.Stop();
            }

            sink.StandardInput.Close();
            await sink.WaitForExitAsync();
            sink.Dispose();
        }

        var report = Report(specs, readings, loads, warmupS, outageS, recoveryS, webapp is not null);
        Console.WriteLine();
        Console.WriteLine(report);
        var directory = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "FootprintProbe-report.md"), report);
    }

    private static string Report(List<Spec> specs, List<Reading> readings, List<string> loads, double warmupS, double outageS, double recoveryS, bool webapp)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Footprint: each mode its own process, all alive together, one loopback sink in another process; read after {warmupS:F0} s of reporting (warm), at the end of a {outageS:F0} s outage (the sink answers 503 to everything: a full backlog), and {recoveryS:F0} s after the sink recovered. Medians of {specs.Max(s => s.Rep) + 1} repetition(s); RSS and threads also min–max. GC heap: `GC.GetTotalMemory(false)`; committed: as of the last GC (– before the first); JIT code: resident executable memory of the runtime (`/memfd:doublemapper`: JIT-compiled code and stubs); – for the web app: it is not this probe's process, so only /proc is read.")
            .AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) at start and at each reading: {string.Join(" → ", loads)}")
            .AppendLine()
            .AppendLine("| process | interval | phase | RSS MB | min–max | vs floor MB | private MB | GC heap MB | GC committed MB (at last GC) | JIT code MB | JIT methods | assemblies | threads | vs floor | POSTs accepted / refused |")
            .AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var groups = specs.Select(s => (s.Mode, s.Interval)).Distinct().OrderBy(g => Order(g.Mode)).ThenBy(g => g.Interval).ToList();
        foreach (var phase in new[] { "warm", "outage", "recovered" })
        {
            foreach (var (mode, interval) in groups)
            {
                var rows = readings.Where(r => r.Spec.Mode == mode && r.Spec.Interval == interval && r.Phase == phase).ToList();
                if (rows.Count == 0)
                {
                    continue;
                }

                var baseline = Baseline(mode);
                var floor = baseline is null ? [] : readings.Where(r => r.Spec.Mode == baseline && r.Phase == phase && (r.Spec.Interval == interval || baseline is "empty" or "webapp-off")).ToList();
                double P(Reading r, string key) => r.Proc.GetValueOrDefault(key);
                double S(Reading r, string key) => r.Snap.GetValueOrDefault(key, double.NaN);
                var rss = Mb(ReportCostProbe.Median(rows.Select(r => P(r, "VmRSS"))));
                var threads = ReportCostProbe.Median(rows.Select(r => P(r, "Threads")));
                var vsRss = floor.Count == 0 ? "" : (rss - Mb(ReportCostProbe.Median(floor.Select(r => P(r, "VmRSS"))))).ToString("+0.0;−0.0;0", CultureInfo.InvariantCulture);
                var vsThreads = floor.Count == 0 ? "" : (threads - ReportCostProbe.Median(floor.Select(r => P(r, "Threads")))).ToString("+0;−0;0", CultureInfo.InvariantCulture);
                var own = !mode.StartsWith("webapp", StringComparison.Ordinal);
                string Own(Func<Reading, double> value, string format) => own ? ReportCostProbe.Median(rows.Select(value)).ToString(format, CultureInfo.InvariantCulture) : "–";
                _ = text.AppendLine(CultureInfo.InvariantCulture, $"| {Describe(mode)} | {IntervalText(mode, interval)} | {phase} | {rss:F1} | {Mb(rows.Min(r => P(r, "VmRSS"))):F1}–{Mb(rows.Max(r => P(r, "VmRSS"))):F1} | {vsRss} | {Mb(ReportCostProbe.Median(rows.Select(r => P(r, "Private")))):F1} | {Own(r => Mb(S(r, "heap")), "F1")} | {(own && rows.All(r => S(r, "gen0") > 0) ? Own(r => Mb(S(r, "committed")), "F1") : "–")} | {Mb(ReportCostProbe.Median(rows.Select(r => (double)r.Mappings.GetValueOrDefault("/memfd:doublemapper")))):F1} | {Own(r => S(r, "jitMethods"), "F0")} | {Own(r => S(r, "assemblies"), "F0")} | {threads:F0} ({rows.Min(r => P(r, "Threads")):F0}–{rows.Max(r => P(r, "Threads")):F0}) | {vsThreads} | {rows[0].Posts} |");
            }
        }

        // Where the difference is: kinds of mapping, the assemblies only one side maps, threads by name. First repetition.
        _ = text.AppendLine()
            .AppendLine("Breakdown (first repetition): resident MB by kind of mapping, and the difference to the floor of the same interval and phase.")
            .AppendLine();
        foreach (var phase in new[] { "warm", "outage" })
        {
            foreach (var (mode, interval) in groups.Where(g => Baseline(g.Mode) is not null))
            {
                var me = readings.FirstOrDefault(r => r.Spec.Mode == mode && r.Spec.Interval == interval && r.Phase == phase && r.Spec.Rep == 0);
                var baseline = Baseline(mode)!;
                var other = readings.FirstOrDefault(r => r.Spec.Mode == baseline && r.Phase == phase && r.Spec.Rep == 0 && (r.Spec.Interval == interval || baseline is "empty" or "webapp-off"));
                if (me is null || other is null)
                {
                    continue;
                }

                _ = text.AppendLine(CultureInfo.InvariantCulture, $"**{Describe(mode)}, {IntervalText(mode, interval)}, {phase}, against {Describe(baseline)}**")
                    .AppendLine()
                    .AppendLine("| kind | MB | Δ MB |")
                    .AppendLine("|---|---:|---:|");
                var kinds = me.Mappings.Concat(other.Mappings).Select(kv => ProcFs.KindOf(kv.Key)).Distinct().Order(StringComparer.Ordinal);
                foreach (var kind in kinds)
                {
                    var mine = me.Mappings.Where(kv => ProcFs.KindOf(kv.Key) == kind).Sum(kv => kv.Value);
                    var theirs = other.Mappings.Where(kv => ProcFs.KindOf(kv.Key) == kind).Sum(kv => kv.Value);
                    _ = text.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {Mb(mine):F1} | {Mb(mine - theirs):+0.0;−0.0;0} |");
                }

                var onlyMine = me.Mappings.Where(kv => !other.Mappings.ContainsKey(kv.Key) && kv.Value > 0).OrderByDescending(kv => kv.Value)
                    .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(kv.Key)} {kv.Value / 1024} KB"));
                var changed = me.Mappings.Where(kv => other.Mappings.TryGetValue(kv.Key, out var v) && Math.Abs(kv.Value - v) >= 256 * 1024).OrderByDescending(kv => kv.Value - other.Mappings[kv.Key])
                    .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(kv.Key)} {(kv.Value - other.Mappings[kv.Key]) / 1024:+0;−0} KB"));
                var threadDiff = me.Threads.Keys.Union(other.Threads.Keys).Order(StringComparer.Ordinal)
                    .Select(name => (name, d: me.Threads.GetValueOrDefault(name) - other.Threads.GetValueOrDefault(name)))
                    .Where(t => t.d != 0)
                    .Select(t => string.Create(CultureInfo.InvariantCulture, $"`{t.name}` {t.d:+0;−0}"));
                _ = text.AppendLine()
                    .AppendLine(CultureInfo.InvariantCulture, $"Mapped only here: {string.Join(", ", onlyMine)}.")
                    .AppendLine()
                    .AppendLine(CultureInfo.InvariantCulture, $"Mapped in both, resident ±256 KB or more: {string.Join(", ", changed)}.")
                    .AppendLine()
                    .AppendLine(CultureInfo.InvariantCulture, $"Threads by name, difference: {string.Join(", ", threadDiff)} (here: {string.Join(", ", me.Threads.Select(t => $"`{t.Key}` {t.Value}"))}).")
                    .AppendLine();
            }
        }

        if (!webapp)
        {
            _ = text.AppendLine("The web app sample was not measured (build it in Release or pass --webapp).");
        }

        return text.ToString();
    }

    // What each process is compared with: the floor loop for a reporter, the empty host for the floor, reporting off for the web app.
    private static string? Baseline(string mode) => mode switch
    {
        "hm" or "otel" => "floor",
        _ when mode.StartsWith("floor+", StringComparison.Ordinal) => "floor",
        "floor" => "empty",
        "webapp" => "webapp-off",
        _ => null,
    };

    private static int Order(string mode) => Array.IndexOf(["empty", "floor", "hm", "otel", "webapp-off", "webapp"], mode) is var i and >= 0 ? i : mode.StartsWith("floor+", StringComparison.Ordinal) ? 1 : 99;

    private static string Describe(string mode) => mode switch
    {
        "empty" => "empty generic host",
        "floor" => "floor: host + `PeriodicTimer` + `HttpClient.PostAsync`",
        "hm" => "**host + `AddHerokuMetrics()`**",
        "otel" => "host + OpenTelemetry runtime + OTLP/HTTP",
        "webapp-off" => "web app sample, `HerokuMetrics__Enabled=false`",
        "webapp" => "web app sample, reporting",
        _ when mode.StartsWith("floor+", StringComparison.Ordinal) => "floor + " + string.Join(" + ", mode.Split('+').Skip(1).Select(p => p switch
        {
            "polly" => "Polly retry pipeline",
            "factory" => "`IHttpClientFactory` handler",
            "json" => "`Utf8JsonWriter` body",
            _ => p,
        })),
        _ => mode,
    };

    private static string IntervalText(string mode, int interval) => mode is "empty" or "webapp-off" ? "–" : interval == 0 ? "default (20 s)" : string.Create(CultureInfo.InvariantCulture, $"{interval / 1000.0:0.###} s");

    private static double Mb(double bytes) => bytes / (1024.0 * 1024.0);

    private static string[] ListOption(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return (i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback).Split(';', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string? StringOption(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    // The web app sample's Release build in this checkout, if it has been built.
    private static string? FindWebApp()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HMetrics.Hosting.sln")))
            {
                var dll = Path.Combine(dir.FullName, "samples", "HMetrics.Sample.WebApp", "bin", "Release", "net10.0", "HMetrics.Sample.WebApp.dll");
                return File.Exists(dll) ? dll : null;
            }
        }

        return null;
    }

    private sealed record Spec(string Mode, int Interval, int Rep)
    {
        public string Label => string.Create(CultureInfo.InvariantCulture, $"{Mode}@{(Interval == 0 ? "default" : Interval + "ms")}#{Rep + 1}");
    }

    private sealed record Reading(Spec Spec, string Phase, Dictionary<string, long> Proc, Dictionary<string, double> Snap, SortedDictionary<string, int> Threads, Dictionary<string, long> Mappings, string Posts);

    /// <summary>One measured process: its output read line by line all along (so it never blocks on a full pipe).</summary>
    private sealed class Child
    {
        private readonly Process _process;
        private readonly Queue<string> _snaps = new();
        private readonly SemaphoreSlim _snapArrived = new(0);
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly string _token;

        private Child(Spec spec, Process process, string token)
        {
            Spec = spec;
            _process = process;
            _token = token;
            _ = Task.Run(PumpAsync);
        }

        public Spec Spec { get; }

        public int Pid => _process.Id;

        public static async Task<Child> StartAsync(Spec spec, Uri sinkUrl, string? webapp)
        {
            var token = string.Create(CultureInfo.InvariantCulture, $"fp-{spec.Mode}-{spec.Interval}-{spec.Rep}-{Guid.NewGuid():N}");
            var target = new Uri(sinkUrl, "/r/" + token);
            ProcessStartInfo start;
            if (spec.Mode.StartsWith("webapp", StringComparison.Ordinal))
            {
                start = new ProcessStartInfo("dotnet", [webapp!])
                {
                    WorkingDirectory = Path.GetDirectoryName(webapp)!,
                    RedirectStandardOutput = true,
                    RedirectStandardInput = true,
                    UseShellExecute = false,
                };
                start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
                start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
                start.Environment["HEROKU_METRICS_URL"] = target.ToString();
                if (spec.Interval > 0)
                {
                    start.Environment["HerokuMetrics__PostInterval"] = TimeSpan.FromMilliseconds(spec.Interval).ToString("c", CultureInfo.InvariantCulture);
                }

                if (spec.Mode == "webapp-off")
                {
                    start.Environment["HerokuMetrics__Enabled"] = "false";
                }
            }
            else
            {
                start = ReportCostProbe.ChildStart("--footprint-child", spec.Mode, target.ToString(), spec.Interval.ToString(CultureInfo.InvariantCulture));
                start.RedirectStandardInput = true;
            }

            var child = new Child(spec, Process.Start(start)!, token);
            _ = await Task.WhenAny(child._ready.Task, Task.Delay(TimeSpan.FromSeconds(20)));
            return child;
        }

        public async Task<Reading> ReadAsync(string phase, HttpClient sinkQuery)
        {
            var snap = new Dictionary<string, double>(StringComparer.Ordinal);
            if (!Spec.Mode.StartsWith("webapp", StringComparison.Ordinal))
            {
                await _process.StandardInput.WriteLineAsync("snap");
                await _process.StandardInput.FlushAsync();
                if (await _snapArrived.WaitAsync(TimeSpan.FromSeconds(15)))
                {
                    string line;
                    lock (_snaps)
                    {
                        line = _snaps.Dequeue();
                    }

                    foreach (var pair in line["SNAP ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var eq = pair.IndexOf('=', StringComparison.Ordinal);
                        snap[pair[..eq]] = double.Parse(pair[(eq + 1)..], CultureInfo.InvariantCulture);
                    }
                }
            }

            var posts = (await sinkQuery.GetStringAsync("/stats/" + _token)).Split(' ');
            return new Reading(Spec, phase, ProcFs.Memory(Pid), snap, ProcFs.ThreadNames(Pid), ProcFs.ResidentByMapping(Pid), posts[0] + " / " + posts[1]);
        }

        public void Stop()
        {
            try
            {
                if (Spec.Mode.StartsWith("webapp", StringComparison.Ordinal))
                {
                    _process.Kill();
                }
                else
                {
                    _process.StandardInput.Close();
                }

                _ = _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        private async Task PumpAsync()
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("SNAP ", StringComparison.Ordinal))
                {
                    lock (_snaps)
                    {
                        _snaps.Enqueue(line);
                    }

                    _ = _snapArrived.Release();
                }
                else if (line.StartsWith("READY", StringComparison.Ordinal) || line.Contains("Application started", StringComparison.Ordinal))
                {
                    _ = _ready.TrySetResult();
                }
            }

            _ = _ready.TrySetResult();
        }
    }
}
