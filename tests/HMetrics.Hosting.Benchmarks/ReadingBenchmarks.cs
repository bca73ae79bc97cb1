using System.Buffers;
using BenchmarkDotNet.Attributes;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>The two halves of collect+write on their own: reading the runtime (every counter, the schema's gauges) and writing the body.</summary>
[MemoryDiagnoser]
public class ReadingBenchmarks
{
    private readonly ReportBodyWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _body = new(2048);
    private readonly Reporting.Sampling.Sample _sample = new();
    private RuntimeReader _reader = null!;

    [Params(HerokuMetricsSchema.Go, HerokuMetricsSchema.DotNet, HerokuMetricsSchema.Both)]
    public HerokuMetricsSchema Schema { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _reader = new RuntimeReader(new ProcessCounterLedger());
        _reader.Read(Schema, _sample.Counters, _sample.Gauges);
    }

    [GlobalCleanup]
    public void Cleanup() => _reader.Dispose();

    [Benchmark(Description = "read: every counter, the schema's gauges")]
    public double Read()
    {
        _reader.Read(Schema, _sample.Counters, _sample.Gauges);
        return _sample.Counters[0];
    }

    [Benchmark(Description = "write: the body from a sample")]
    public int Write()
    {
        _body.ResetWrittenCount();
        return _writer.Write(Schema, _sample.Counters, _sample.Gauges, _body);
    }
}
