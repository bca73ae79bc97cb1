using System.Buffers;
using System.Text.Json;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Reads the metrics and writes a report body, keeping counters as deltas since a baseline.
/// </summary>
/// <remarks>
/// The reporter takes a <see cref="Sample"/> every interval: each moves the baseline, so a sample's counters are what
/// happened in its own interval, and a backfilled sample lands in its own minute on the charts. Not thread-safe: the
/// sampler calls it under its lock. The JSON writer is reused so that steady-state collection allocates nothing.
/// </remarks>
internal sealed class RuntimeMetricsCollector
{
    private static readonly JsonEncodedText _counters = JsonEncodedText.Encode("counters");
    private static readonly JsonEncodedText _gauges = JsonEncodedText.Encode("gauges");

    // Above this a double no longer holds every integer, so it is written as a double.
    private const double MaxExactInteger = 9007199254740992d;

    private readonly RuntimeMetric[] _metrics;
    private readonly double[] _acknowledged;
    private readonly double[] _sent;
    private readonly bool[] _wasSent;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    public RuntimeMetricsCollector(RuntimeMetric[] metrics)
    {
        _metrics = metrics;
        _acknowledged = new double[metrics.Length];
        _sent = new double[metrics.Length];
        _wasSent = new bool[metrics.Length];
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>
    /// Reads every metric of <paramref name="schema"/> now and writes <c>{"counters":{...},"gauges":{...}}</c> into the
    /// collector's own buffer, without moving the counters' baseline until <see cref="Acknowledge"/>.
    /// </summary>
    /// <param name="schema">Which names to write.</param>
    /// <param name="count">The number of metrics written, for the <c>Measurements-Count</c> header.</param>
    /// <returns>The UTF-8 body, valid until the next call.</returns>
    public ReadOnlyMemory<byte> Collect(HerokuMetricsSchema schema, out int count)
    {
        _buffer.ResetWrittenCount();
        count = Write(schema, _buffer);
        return _buffer.WrittenMemory;
    }

    /// <summary>
    /// Takes one sample: writes the body into <paramref name="destination"/> with counters as deltas since the previous
    /// sample, and makes this sample the baseline of the next.
    /// </summary>
    /// <param name="schema">Which names to write.</param>
    /// <param name="destination">Where the UTF-8 body goes.</param>
    /// <returns>The number of metrics written, for the <c>Measurements-Count</c> header.</returns>
    public int Sample(HerokuMetricsSchema schema, IBufferWriter<byte> destination)
    {
        var count = Write(schema, destination);
        Acknowledge();
        return count;
    }

    private int Write(HerokuMetricsSchema schema, IBufferWriter<byte> destination)
    {
        _writer.Reset(destination);
        var count = 0;

        _writer.WriteStartObject();
        _writer.WriteStartObject(_counters);
        for (var i = 0; i < _metrics.Length; i++)
        {
            _wasSent[i] = false;
            var metric = _metrics[i];
            if (!metric.IsCounter || !metric.IsIn(schema))
            {
                continue;
            }

            var current = metric.Read();

            // A counter that read lower than its baseline never posts a negative count: it posts zero and keeps the
            // baseline, so the increments it already delivered are not delivered again when it catches up.
            if (current < _acknowledged[i])
            {
                current = _acknowledged[i];
            }

            if (Write(metric, current - _acknowledged[i]))
            {
                _sent[i] = current;
                _wasSent[i] = true;
                count++;
            }
        }

        _writer.WriteEndObject();
        _writer.WriteStartObject(_gauges);
        for (var i = 0; i < _metrics.Length; i++)
        {
            var metric = _metrics[i];
            if (!metric.IsCounter && metric.IsIn(schema) && Write(metric, metric.Read()))
            {
                count++;
            }
        }

        _writer.WriteEndObject();
        _writer.WriteEndObject();
        _writer.Flush();
        return count;
    }

    /// <summary>
    /// Records that the endpoint accepted the last collected body: its counter readings become the new baseline.
    /// </summary>
    public void Acknowledge()
    {
        for (var i = 0; i < _metrics.Length; i++)
        {
            if (_wasSent[i])
            {
                _acknowledged[i] = _sent[i];
                _wasSent[i] = false;
            }
        }
    }

    private bool Write(RuntimeMetric metric, double value)
    {
        if (!double.IsFinite(value))
        {
            // JSON has no NaN or infinity; leaving the name out is better than inventing a number.
            return false;
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
