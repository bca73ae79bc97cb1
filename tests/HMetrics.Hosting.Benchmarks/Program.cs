using System.Globalization;
using HMetrics.Hosting.Benchmarks;

// The process-level probes' own processes first: a measured child compiles only this dispatch (BenchmarkDotNet is in
// BenchmarkEntry, so it is never loaded where memory or CPU is read).
// `--report-cost [options]` runs the report-cost probe (ReportCostProbe); `--report-cost-sink` and
// `--report-cost-child` are its other processes. `--footprint [options]` runs the footprint probe (FootprintProbe);
// `--footprint-child` is its measured process. `--load-app` is the load benchmark's web app (LoadApp).
// `--cold-start` runs the cold start-up probe; `--probe with|without|standins` is its child
// (`--list`: the loaded assemblies; `--phases`: the start-up split into steps).
// Anything else goes to BenchmarkDotNet, and the cold probe runs after it when start-up was among the selected benchmarks.
if (args is ["--report-cost-sink", ..])
{
    await ReportCostSink.RunAsync();
    return;
}

if (args is ["--report-cost-child", var mode, var url, var window, var warmup, var interval, ..])
{
    ReportCostChild.Run(mode, new Uri(url), Int(window), Int(warmup), Int(interval));
    return;
}

if (args is ["--report-cost", ..])
{
    await ReportCostProbe.RunAsync(args);
    return;
}

if (args is ["--footprint-child", var footprintMode, var footprintUrl, var footprintInterval, ..])
{
    FootprintChild.Run(footprintMode, new Uri(footprintUrl), Int(footprintInterval));
    return;
}

if (args is ["--footprint", ..])
{
    await FootprintProbe.RunAsync(args);
    return;
}

if (args is ["--load-app", ..])
{
    await LoadApp.RunAsync(args[1..]);
    return;
}

if (args is ["--cold-start", ..])
{
    await ColdStartProbe.RunAsync();
    return;
}

if (args is ["--probe", var phased, "--phases", ..])
{
    await ColdStartProbe.RunPhasesAsync(ColdStartProbe.ParseVariant(phased));
    return;
}

if (args is ["--probe", var variant, ..])
{
    await ColdStartProbe.RunChildAsync(ColdStartProbe.ParseVariant(variant), args.Contains("--list"));
    return;
}

await BenchmarkEntry.RunAsync(args);

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
