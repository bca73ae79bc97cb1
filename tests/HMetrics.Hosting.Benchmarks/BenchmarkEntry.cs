using System.Runtime.CompilerServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The BenchmarkDotNet side of the program, in a class of its own: a measured child process compiles only
/// <c>Program</c>'s dispatch, so BenchmarkDotNet's assembly is never loaded (mapped) in the processes whose memory and
/// CPU the probes read.
/// </summary>
internal static class BenchmarkEntry
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task RunAsync(string[] args)
    {
        // Metric names are the readings' parameter: show them whole.
        var config = DefaultConfig.Instance.WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(64));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args, config);
        if (summaries.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(StartupBenchmarks))))
        {
            await ColdStartProbe.RunAsync();
        }
    }
}
