using System.Buffers;
using System.Text.Json;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Writes a report body, <c>{"counters":{...},"gauges":{...}}</c>, from one sample's readings, in the names of the
/// sample's schema.
/// </summary>
/// <remarks>
/// One writer per sender, reused: writing a body allocates nothing. Not thread-safe: one delivery loop writes.
/// </remarks>
internal sealed class ReportBodyWriter
{
    private static readonly JsonEncodedText _counters = JsonEncodedText.Encode("counters");
    private static readonly JsonEncodedText _gauges = JsonEncodedText.Encode("gauges");

    // Above this a double no longer holds every integer, so it is written as a double.
    private const double MaxExactInteger = 9007199254740992d;

    private readonly Utf8JsonWriter _writer = new(Stream.Null, new JsonWriterOptions { SkipValidation = true });

    /// <summary>Writes the body into <paramref name="destination"/>.</summary>
    /// <returns>The number of metrics written, for the <c>Measurements-Count</c> header.</returns>
    public int Write(HerokuMetricsSchema schema, ReadOnlySpan<double> counters, ReadOnlySpan<double> gauges, IBufferWriter<byte> destination)
    {
        _writer.Reset(destination);
        var count = 0;
        var metrics = RuntimeMetricTable.All;
        _writer.WriteStartObject();
        for (var section = 0; section < 2; section++)
        {
            var counterSection = section == 0;
            _writer.WriteStartObject(counterSection ? _counters : _gauges);
            for (var i = 0; i < metrics.Length; i++)
            {
                var metric = metrics[i];
                if (metric.IsCounter == counterSection && metric.IsIn(schema) && Write(metric, metric.Value(counters, gauges)))
                {
                    count++;
                }
            }

            _writer.WriteEndObject();
        }

        _writer.WriteEndObject();
        _writer.Flush();
        return count;
    }

    private bool Write(RuntimeMetric metric, double value)
    {
        if (!double.IsFinite(value))
        {
            // JSON has no NaN or infinity; leaving the name out is better than inventing a number.
            return false;
        }

        // A counter never posts a negative increment (the ledger never hands one out; guarded here all the same).
        if (metric.IsCounter && value < 0)
        {
            value = 0;
        }

        if (Math.Abs(value) < MaxExactInteger && value == Math.Floor(value))
        {
            _writer.WriteNumber(metric.EncodedName, (long)value);
        }
        else
        {
            _writer.WriteNumber(metric.EncodedName, value);
        }

        return true;
    }
}
