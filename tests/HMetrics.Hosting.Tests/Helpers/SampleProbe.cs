using System.Buffers;
using System.Text.Json;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// The library's sampling and body-writing path without the timer and the HTTP: what the sampler reads into a sample,
/// and the body the sender writes from it.
/// </summary>
internal sealed class SampleProbe : IDisposable
{
    private readonly RuntimeReader _reader;
    private readonly ReportBodyWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _body = new(2048);

    public SampleProbe(ProcessCounterLedger ledger, Func<int, int>? collectionCount = null) =>
        _reader = new RuntimeReader(ledger, collectionCount);

    public Sample Sample { get; } = new();

    /// <summary>Takes one sample in <paramref name="schema"/> and writes its body.</summary>
    public JsonDocument Take(HerokuMetricsSchema schema) => JsonDocument.Parse(Write(Read(schema)));

    /// <summary>Reads one sample, as the sampler does.</summary>
    public Sample Read(HerokuMetricsSchema schema)
    {
        Sample.Schema = schema;
        _reader.Read(schema, Sample.Counters, Sample.Gauges);
        return Sample;
    }

    /// <summary>Writes a sample's body, as the sender does; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Write(Sample sample) => Write(sample, out _);

    public ReadOnlyMemory<byte> Write(Sample sample, out int count)
    {
        _body.ResetWrittenCount();
        count = _writer.Write(sample.Schema, sample.Counters, sample.Gauges, _body);
        return _body.WrittenMemory;
    }

    public static double Counter(JsonDocument body, string name) =>
        body.RootElement.GetProperty("counters").TryGetProperty(name, out var value) ? value.GetDouble() : double.NaN;

    public void Dispose() => _reader.Dispose();
}
