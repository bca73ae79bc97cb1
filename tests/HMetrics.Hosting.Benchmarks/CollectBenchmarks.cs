using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// Reading the runtime into a sample and writing its report body: what the reporter does for every report before it
/// touches the network (the sampler's read, the sender's write). Ours against a typical first version (Dictionary +
/// JsonSerializer) of the same readings.
/// </summary>
[MemoryDiagnoser]
public class CollectBenchmarks
{
    private readonly ReportBodyWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _body = new(2048);
    private readonly Reporting.Sampling.Sample _sample = new();
    private RuntimeReader _reader = null!;

    [GlobalSetup]
    public void Setup() => _reader = new RuntimeReader(new ProcessCounterLedger());

    [GlobalCleanup]
    public void Cleanup() => _reader.Dispose();

    [Benchmark(Description = "ours: read+write Go")]
    public int OursGo() => Collect(HerokuMetricsSchema.Go);

    [Benchmark(Description = "ours: read+write DotNet")]
    public int OursDotNet() => Collect(HerokuMetricsSchema.DotNet);

    [Benchmark(Description = "ours: read+write Both")]
    public int OursBoth() => Collect(HerokuMetricsSchema.Both);

    [Benchmark(Baseline = true, Description = "naive: Dictionary+JsonSerializer Go")]
    public int NaiveGo() => JsonSerializer.SerializeToUtf8Bytes(NaiveReport.Read(HerokuMetricsSchema.Go)).Length;

    [Benchmark(Description = "naive: Dictionary+JsonSerializer Both")]
    public int NaiveBoth() => JsonSerializer.SerializeToUtf8Bytes(NaiveReport.Read(HerokuMetricsSchema.Both)).Length;

    private int Collect(HerokuMetricsSchema schema)
    {
        _reader.Read(schema, _sample.Counters, _sample.Gauges);
        _body.ResetWrittenCount();
        _ = _writer.Write(schema, _sample.Counters, _sample.Gauges, _body);
        return _body.WrittenCount;
    }
}
