using BenchmarkDotNet.Attributes;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>The cost of each reading on its own: what bounds collect+serialise.</summary>
[MemoryDiagnoser]
public class ReadingBenchmarks
{
    private RuntimeMetricTable _metrics = null!;
    private Func<double> _read = null!;

    public static IEnumerable<string> Names()
    {
        using var metrics = new RuntimeMetricTable();
        return metrics.All.Select(m => m.Name).ToArray();
    }

    [ParamsSource(nameof(Names))]
    public string Name { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new RuntimeMetricTable();
        _read = _metrics.All.Single(m => m.Name == Name).Read;
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark]
    public double Read() => _read();
}
