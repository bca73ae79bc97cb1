using System.Buffers;
using System.Text.Json;
using HMetrics.Hosting.Runtime;

namespace HMetrics.Hosting.Tests.Runtime;

/// <summary>
/// The report body is written as bytes, without a JSON library (docs/design-decisions.md); a JSON parser must read back
/// exactly what the table holds, for any reading.
/// </summary>
public sealed class ReportBodyWriterTests
{
    private static readonly double[] Awkward =
    [
        0, -0.0, 1, -1, 0.1, 1e-300, double.Epsilon, -double.Epsilon, 9007199254740991, 9007199254740992, 9007199254740993,
        -9007199254740992, 1e21, 1.7976931348623157e308, -1.7976931348623157e308, 123456789.123456789, double.NaN,
        double.PositiveInfinity, double.NegativeInfinity, long.MaxValue, (double)long.MinValue,
    ];

    [Theory]
    [InlineData(HerokuMetricsSchema.Go)]
    [InlineData(HerokuMetricsSchema.DotNet)]
    [InlineData(HerokuMetricsSchema.Both)]
    public void Generated_readings_parse_as_json_holding_every_finite_metric_of_the_schema_exactly(HerokuMetricsSchema schema)
    {
        var random = new Random(20261203 + (int)schema);
        var writer = new ReportBodyWriter();
        var counters = new double[Enum.GetValues<ProcessCounter>().Length];
        var gauges = new double[Enum.GetValues<RuntimeGauge>().Length];
        for (var run = 0; run < 2_000; run++)
        {
            Fill(counters, random);
            Fill(gauges, random);
            var buffer = new ArrayBufferWriter<byte>();

            var count = writer.Write(schema, counters, gauges, buffer);

            using var body = JsonDocument.Parse(buffer.WrittenMemory);
            var written = 0;
            foreach (var metric in RuntimeMetricTable.All.Where(m => m.IsIn(schema)))
            {
                var section = body.RootElement.GetProperty(metric.IsCounter ? "counters" : "gauges");
                var expected = metric.Value(counters, gauges);
                if (!double.IsFinite(expected))
                {
                    Assert.False(section.TryGetProperty(metric.Name, out _), $"{metric.Name} written for {expected}");
                    continue;
                }

                written++;
                var expectedValue = metric.IsCounter && expected < 0 ? 0 : expected;
                var actual = section.GetProperty(metric.Name).GetDouble();
                Assert.True(actual.Equals(expectedValue) || (actual == 0 && expectedValue == 0), $"{metric.Name}: wrote {actual:R} for {expectedValue:R}");
            }

            Assert.Equal(written, count);
            Assert.Equal(written, body.RootElement.GetProperty("counters").EnumerateObject().Count() + body.RootElement.GetProperty("gauges").EnumerateObject().Count());
        }
    }

    private static void Fill(double[] values, Random random)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.Next(4) switch
            {
                0 => Awkward[random.Next(Awkward.Length)],
                1 => random.Next(1_000_000),
                2 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-20, 300)),
                _ => BitConverter.Int64BitsToDouble(random.NextInt64()),
            };
        }
    }
}
