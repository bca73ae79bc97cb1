using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// Reading the runtime and writing one report body: what the reporter does at every report before it touches the
/// network. Ours against a typical first version (Dictionary + JsonSerializer) of the same readings.
/// </summary>
[MemoryDiagnoser]
public class CollectBenchmarks
{
    private RuntimeMetricTable _metrics = null!;
    private RuntimeMetricsCollector _collector = null!;

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new RuntimeMetricTable();
        _collector = new RuntimeMetricsCollector(_metrics.All);
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark(Description = "ours: collect+serialise Go")]
    public int OursGo() => Collect(HerokuMetricsSchema.Go);

    [Benchmark(Description = "ours: collect+serialise DotNet")]
    public int OursDotNet() => Collect(HerokuMetricsSchema.DotNet);

    [Benchmark(Description = "ours: collect+serialise Both")]
    public int OursBoth() => Collect(HerokuMetricsSchema.Both);

    [Benchmark(Baseline = true, Description = "naive: Dictionary+JsonSerializer Go")]
    public int NaiveGo() => JsonSerializer.SerializeToUtf8Bytes(NaiveReport.Read(HerokuMetricsSchema.Go)).Length;

    [Benchmark(Description = "naive: Dictionary+JsonSerializer Both")]
    public int NaiveBoth() => JsonSerializer.SerializeToUtf8Bytes(NaiveReport.Read(HerokuMetricsSchema.Both)).Length;

    private int Collect(HerokuMetricsSchema schema)
    {
        var body = _collector.Collect(schema, out _);

        // Acknowledged like a delivered report, so the counters' baseline moves as it does in production.
        _collector.Acknowledge();
        return body.Length;
    }
}
