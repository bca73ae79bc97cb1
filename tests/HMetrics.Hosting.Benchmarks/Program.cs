using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using HMetrics.Hosting.Benchmarks;

// `--probe with|without` is the child side of the cold start-up probe; anything else goes to BenchmarkDotNet, and the
// cold probe runs after it when start-up was among the selected benchmarks.
// `--probe with|without --list` also prints the names of the loaded assemblies (when each loaded, before or after
// ApplicationStarted); `--probe with|without --phases` splits the start-up into steps.
// `--cold-start` runs the cold start-up probe alone.
// `--report-cost [options]` runs the process-level report-cost probe (ReportCostProbe); `--report-cost-sink` and
// `--report-cost-child` are its other processes.
if (args is ["--report-cost-sink", ..])
{
    await ReportCostSink.RunAsync();
    return;
}

if (args is ["--report-cost-child", var mode, var url, var window, var warmup, var interval, ..])
{
    await ReportCostChild.RunAsync(
        mode,
        new Uri(url),
        int.Parse(window, System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(warmup, System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(interval, System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args is ["--report-cost", ..])
{
    await ReportCostProbe.RunAsync(args);
    return;
}

if (args is ["--cold-start", ..])
{
    await ColdStartProbe.RunAsync();
    return;
}

if (args is ["--probe", var phased, "--phases", ..])
{
    await ColdStartProbe.RunPhasesAsync(phased == "with");
    return;
}

if (args is ["--probe", var variant, ..])
{
    await ColdStartProbe.RunChildAsync(variant == "with", args.Contains("--list"));
    return;
}

// Metric names are the readings' parameter: show them whole.
var config = DefaultConfig.Instance.WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(64));
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
if (summaries.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(StartupBenchmarks))))
{
    await ColdStartProbe.RunAsync();
}
