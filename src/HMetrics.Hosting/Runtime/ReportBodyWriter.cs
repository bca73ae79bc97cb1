using System.Buffers;
using System.Globalization;
using System.Text;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Writes a report body, <c>{"counters":{...},"gauges":{...}}</c>, from one sample's readings, in the names of the
/// sample's schema.
/// </summary>
/// <remarks>
/// The body is a flat object of numbers under names the library owns (statsd tokens, nothing to escape), so it is written
/// as bytes: the names encoded once, the numbers formatted straight into the destination. A JSON writer would load three
/// assemblies (about a megabyte resident, docs/benchmarks-history.md) for what is a loop over a table. Writing allocates
/// nothing.
/// </remarks>
internal sealed class ReportBodyWriter
{
    // Above this a double no longer holds every integer, so it is written as a double.
    private const double MaxExactInteger = 9007199254740992d;

    // The longest a number can be written: "-1.7976931348623157E+308".
    private const int MaxNumberLength = 32;

    private static ReadOnlySpan<byte> CountersOpen => "{\"counters\":{"u8;

    private static ReadOnlySpan<byte> GaugesOpen => "},\"gauges\":{"u8;

    private static ReadOnlySpan<byte> Close => "}}"u8;

    /// <summary>Writes the body into <paramref name="destination"/>.</summary>
    /// <returns>The number of metrics written, for the <c>Measurements-Count</c> header.</returns>
    public int Write(HerokuMetricsSchema schema, ReadOnlySpan<double> counters, ReadOnlySpan<double> gauges, IBufferWriter<byte> destination)
    {
        Append(destination, CountersOpen);
        var count = WriteSection(schema, counters, gauges, destination, counterSection: true);
        Append(destination, GaugesOpen);
        count += WriteSection(schema, counters, gauges, destination, counterSection: false);
        Append(destination, Close);
        return count;
    }

    /// <summary>The UTF-8 member name of a metric, <c>"name":</c>, made once per name.</summary>
    public static byte[] MemberName(string name) => Encoding.UTF8.GetBytes("\"" + name + "\":");

    private static int WriteSection(HerokuMetricsSchema schema, ReadOnlySpan<double> counters, ReadOnlySpan<double> gauges, IBufferWriter<byte> destination, bool counterSection)
    {
        var metrics = RuntimeMetricTable.All;
        var written = 0;
        for (var i = 0; i < metrics.Length; i++)
        {
            var metric = metrics[i];
            if (metric.IsCounter != counterSection || !metric.IsIn(schema))
            {
                continue;
            }

            var value = metric.Value(counters, gauges);
            if (!double.IsFinite(value))
            {
                // JSON has no NaN or infinity; leaving the name out is better than inventing a number.
                continue;
            }

            // A counter never posts a negative increment (the ledger never hands one out; guarded here all the same).
            if (metric.IsCounter && value < 0)
            {
                value = 0;
            }

            if (written++ > 0)
            {
                Append(destination, ","u8);
            }

            Append(destination, metric.Utf8MemberName);
            WriteNumber(destination, value);
        }

        return written;
    }

    private static void WriteNumber(IBufferWriter<byte> destination, double value)
    {
        var span = destination.GetSpan(MaxNumberLength);
        int length;
        var formatted = Math.Abs(value) < MaxExactInteger && value == Math.Floor(value)
            ? ((long)value).TryFormat(span, out length, default, CultureInfo.InvariantCulture)
            : value.TryFormat(span, out length, "R", CultureInfo.InvariantCulture);
        if (!formatted)
        {
            throw new InvalidOperationException("A number did not fit its buffer.");
        }

        destination.Advance(length);
    }

    private static void Append(IBufferWriter<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination.GetSpan(bytes.Length));
        destination.Advance(bytes.Length);
    }
}
