using System.Globalization;
using System.Text;
using System.Text.Json;
using static HMetrics.Hosting.Runtime.RuntimeMetric;

namespace HMetrics.Hosting.Tests.Runtime;

public sealed class RuntimeMetricsCollectorTests
{
    /// <summary>A metric table whose readings the test sets.</summary>
    private sealed class FakeTable
    {
        public double Collections;
        public double PauseNs;
        public double Heap;
        public int GaugeReads;

        public RuntimeMetric[] Metrics =>
        [
            new("go.gc.collections", isCounter: true, SchemaSet.Go, () => Collections),
            new("go.gc.pause.ns", isCounter: true, SchemaSet.Go, () => PauseNs),
            new("go.memory.heap.bytes", isCounter: false, SchemaSet.Go, () =>
            {
                GaugeReads++;
                return Heap;
            }),
        ];
    }

    // A body is valid only until the next Collect: read it at once.
    private static string Text(ReadOnlyMemory<byte> body) => Encoding.UTF8.GetString(body.Span);

    private static double Counter(ReadOnlyMemory<byte> body, string name)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("counters").TryGetProperty(name, out var value) ? value.GetDouble() : 0;
    }

    [Fact]
    public void Writes_the_exact_body_with_integers_as_integers_and_doubles_invariant()
    {
        var metrics = new RuntimeMetric[]
        {
            new("c.whole", isCounter: true, SchemaSet.Go, () => 5),
            new("c.fraction", isCounter: true, SchemaSet.Go, () => 0.25),
            new("g.whole", isCounter: false, SchemaSet.Go, () => 5242880d),
            new("g.fraction", isCounter: false, SchemaSet.Go, () => 0.1),
            new("g.negative", isCounter: false, SchemaSet.Go, () => -3d),
            new("g.huge", isCounter: false, SchemaSet.Go, () => 1e20),
        };
        var collector = new RuntimeMetricsCollector(metrics);

        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        string body;
        int count;
        try
        {
            body = Text(collector.Collect(HerokuMetricsSchema.Go, out count));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        Assert.Equal(
            """{"counters":{"c.whole":5,"c.fraction":0.25},"gauges":{"g.whole":5242880,"g.fraction":0.1,"g.negative":-3,"g.huge":1E+20}}""",
            body);
        Assert.Equal(6, count);
    }

    [Fact]
    public void An_empty_table_still_writes_both_members()
    {
        var collector = new RuntimeMetricsCollector([]);

        Assert.Equal("""{"counters":{},"gauges":{}}""", Text(collector.Collect(HerokuMetricsSchema.Go, out var count)));
        Assert.Equal(0, count);
    }

    [Fact]
    public void A_value_json_cannot_hold_is_left_out_and_not_counted()
    {
        var metrics = new RuntimeMetric[]
        {
            new("c.nan", isCounter: true, SchemaSet.Go, () => double.NaN),
            new("g.inf", isCounter: false, SchemaSet.Go, () => double.PositiveInfinity),
            new("g.ok", isCounter: false, SchemaSet.Go, () => 1),
        };

        var body = Text(new RuntimeMetricsCollector(metrics).Collect(HerokuMetricsSchema.Go, out var count));

        Assert.Equal("""{"counters":{},"gauges":{"g.ok":1}}""", body);
        Assert.Equal(1, count);
    }

    [Theory]
    [InlineData(HerokuMetricsSchema.Go, """{"counters":{"go.c":1},"gauges":{"go.g":3,"shared.g":5}}""")]
    [InlineData(HerokuMetricsSchema.DotNet, """{"counters":{"dotnet.c":2},"gauges":{"shared.g":5}}""")]
    [InlineData(HerokuMetricsSchema.Both, """{"counters":{"go.c":1,"dotnet.c":2},"gauges":{"go.g":3,"shared.g":5}}""")]
    public void Writes_only_the_names_of_the_schema(HerokuMetricsSchema schema, string expected)
    {
        var metrics = new RuntimeMetric[]
        {
            new("go.c", isCounter: true, SchemaSet.Go, () => 1),
            new("dotnet.c", isCounter: true, SchemaSet.DotNet, () => 2),
            new("go.g", isCounter: false, SchemaSet.Go, () => 3),
            new("shared.g", isCounter: false, SchemaSet.Go | SchemaSet.DotNet, () => 5),
        };

        Assert.Equal(expected, Text(new RuntimeMetricsCollector(metrics).Collect(schema, out _)));
    }

    [Fact]
    public void The_first_report_counts_from_a_zero_baseline_so_earlier_counts_are_delivered()
    {
        var table = new FakeTable { Collections = 7, PauseNs = 1200 };
        var collector = new RuntimeMetricsCollector(table.Metrics);

        var body = collector.Collect(HerokuMetricsSchema.Go, out _);

        Assert.Equal(7, Counter(body, "go.gc.collections"));
        Assert.Equal(1200, Counter(body, "go.gc.pause.ns"));
    }

    [Fact]
    public void After_an_acknowledged_report_counters_are_deltas()
    {
        var table = new FakeTable { Collections = 7 };
        var collector = new RuntimeMetricsCollector(table.Metrics);
        _ = collector.Collect(HerokuMetricsSchema.Go, out _);
        collector.Acknowledge();

        table.Collections = 10;
        var second = Counter(collector.Collect(HerokuMetricsSchema.Go, out _), "go.gc.collections");
        collector.Acknowledge();
        var third = Text(collector.Collect(HerokuMetricsSchema.Go, out _));

        Assert.Equal(3, second);
        Assert.Contains("\"go.gc.collections\":0", third, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_reports_carry_their_counts_into_the_next_success()
    {
        var table = new FakeTable();
        var collector = new RuntimeMetricsCollector(table.Metrics);

        table.Collections = 2;
        _ = collector.Collect(HerokuMetricsSchema.Go, out _); // failed: not acknowledged
        table.Collections = 5;
        _ = collector.Collect(HerokuMetricsSchema.Go, out _); // failed again
        table.Collections = 9;
        var delivered = collector.Collect(HerokuMetricsSchema.Go, out _);
        collector.Acknowledge();

        Assert.Equal(9, Counter(delivered, "go.gc.collections"));
    }

    [Fact]
    public void Counts_that_happen_after_collection_are_not_lost_by_the_acknowledgement()
    {
        var table = new FakeTable { Collections = 4 };
        var collector = new RuntimeMetricsCollector(table.Metrics);

        var first = Counter(collector.Collect(HerokuMetricsSchema.Go, out _), "go.gc.collections");
        table.Collections = 6; // a GC while the request is in flight
        collector.Acknowledge();
        var second = Counter(collector.Collect(HerokuMetricsSchema.Go, out _), "go.gc.collections");

        Assert.Equal(4, first);
        Assert.Equal(2, second);
    }

    [Fact]
    public void A_second_acknowledgement_of_the_same_body_changes_nothing()
    {
        var table = new FakeTable { Collections = 4 };
        var collector = new RuntimeMetricsCollector(table.Metrics);
        _ = collector.Collect(HerokuMetricsSchema.Go, out _);
        collector.Acknowledge();
        table.Collections = 6;
        collector.Acknowledge();

        Assert.Equal(2, Counter(collector.Collect(HerokuMetricsSchema.Go, out _), "go.gc.collections"));
    }

    [Fact]
    public void Gauges_are_read_fresh_at_every_collection()
    {
        var table = new FakeTable { Heap = 100 };
        var collector = new RuntimeMetricsCollector(table.Metrics);

        var first = Text(collector.Collect(HerokuMetricsSchema.Go, out _));
        table.Heap = 250;
        var retried = Text(collector.Collect(HerokuMetricsSchema.Go, out _)); // after a failure, not acknowledged

        Assert.Contains("\"go.memory.heap.bytes\":100", first, StringComparison.Ordinal);
        Assert.Contains("\"go.memory.heap.bytes\":250", retried, StringComparison.Ordinal);
        Assert.Equal(2, table.GaugeReads);
    }

    [Fact]
    public void A_schema_switch_between_reports_keeps_the_other_counters_pending()
    {
        var dotnet = 0d;
        var go = 0d;
        var collector = new RuntimeMetricsCollector(
        [
            new("go.c", isCounter: true, SchemaSet.Go, () => go),
            new("dotnet.c", isCounter: true, SchemaSet.DotNet, () => dotnet),
        ]);

        go = 3;
        dotnet = 4;
        _ = collector.Collect(HerokuMetricsSchema.Go, out _);
        collector.Acknowledge();
        var both = collector.Collect(HerokuMetricsSchema.Both, out _);

        Assert.Equal(0, Counter(both, "go.c"));
        Assert.Equal(4, Counter(both, "dotnet.c"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(20261125)]
    public void Delivered_counts_sum_to_what_happened_across_random_failure_patterns(int seed)
    {
        var random = new Random(seed);
        for (var pattern = 0; pattern < 200; pattern++)
        {
            var table = new FakeTable();
            var collector = new RuntimeMetricsCollector(table.Metrics);
            var failureRate = random.NextDouble();
            double delivered = 0, deliveredPause = 0;

            var reports = random.Next(1, 60);
            for (var report = 0; report < reports; report++)
            {
                table.Collections += random.Next(0, 5);
                table.PauseNs += random.Next(0, 3) * 1_000_000;
                var body = collector.Collect(HerokuMetricsSchema.Go, out _);

                // Counts can also arrive while the request is in flight.
                table.Collections += random.Next(0, 2);

                if (random.NextDouble() >= failureRate)
                {
                    collector.Acknowledge();
                    delivered += Counter(body, "go.gc.collections");
                    deliveredPause += Counter(body, "go.gc.pause.ns");
                }
            }

            // Once the endpoint is healthy again, the next acknowledged report settles the account.
            var last = collector.Collect(HerokuMetricsSchema.Go, out _);
            collector.Acknowledge();
            delivered += Counter(last, "go.gc.collections");
            deliveredPause += Counter(last, "go.gc.pause.ns");

            Assert.Equal(table.Collections, delivered);
            Assert.Equal(table.PauseNs, deliveredPause);
        }
    }
}
