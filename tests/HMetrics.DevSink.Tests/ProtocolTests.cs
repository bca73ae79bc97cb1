using System.Net;
using System.Text;
using HMetrics.DevSink.Tests.Helpers;

namespace HMetrics.DevSink.Tests;

/// <summary>Every rule of the Heroku endpoint, through real HTTP against the sink on loopback.</summary>
public sealed class ProtocolTests
{
    private const string Valid = """{"counters":{"go.gc.collections":3,"go.gc.pause.ns":412000},"gauges":{"go.memory.heap.bytes":5242880,"go.routines":12}}""";

    [Fact]
    public async Task A_valid_report_gets_200_with_an_empty_body_and_is_kept()
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.PostAsync(Valid);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var data = await sink.DataAsync();
        var report = Assert.Single(data.GetProperty("reports").EnumerateArray());
        Assert.Equal(3, report.GetProperty("counters").GetProperty("go.gc.collections").GetDouble());
        Assert.Equal(12, report.GetProperty("gauges").GetProperty("go.routines").GetDouble());
        Assert.Equal(sink.Time.GetUtcNow(), report.GetProperty("measuredAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Reports_backfilled_after_an_outage_come_back_in_the_order_of_their_Measurements_Time()
    {
        await using var sink = await SinkServer.StartAsync();
        var now = sink.Time.GetUtcNow();

        // The live report first, then the outage's reports, late and out of order, each stamped when it was measured.
        foreach (var (collections, age) in new[] { (5, 0), (2, 180), (1, 200), (3, 120), (4, 60) })
        {
            var body = $$$"""{"counters":{"go.gc.collections":{{{collections}}}},"gauges":{}}""";
            using var response = await sink.PostAsync(body, change: r =>
            {
                r.Headers.Remove("Measurements-Time");
                r.Headers.Add("Measurements-Time", SinkServer.Stamp(now.AddSeconds(-age)));
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var reports = (await sink.DataAsync()).GetProperty("reports").EnumerateArray().ToList();
        Assert.Equal([1d, 2d, 3d, 4d, 5d], reports.Select(static r => r.GetProperty("counters").GetProperty("go.gc.collections").GetDouble()));
        Assert.Equal(
            [now.AddSeconds(-200), now.AddSeconds(-180), now.AddSeconds(-120), now.AddSeconds(-60), now],
            reports.Select(static r => r.GetProperty("measuredAt").GetDateTimeOffset()));
    }

    [Fact]
    public async Task Optional_headers_may_be_absent_and_a_charset_is_fine()
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.PostAsync(Valid, change: static r =>
        {
            r.Headers.Remove("Measurements-Time");
            r.Headers.Remove("Measurements-Count");
            r.Content!.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await sink.ReportCountAsync());
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task Anything_but_POST_gets_405_with_Allow_POST(string method)
    {
        await using var sink = await SinkServer.StartAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method), "/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f");
        if (method != "GET" && method != "DELETE")
        {
            request.Content = new StringContent(Valid, Encoding.UTF8, "application/json");
        }

        using var response = await sink.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
        Assert.Equal(0, await sink.ReportCountAsync());
    }

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "invalid JSON", """{"counters":{"go.gc.collections":3}""", "not valid JSON" },
        { "not JSON at all", "counters=3", "not valid JSON" },
        { "an array", """[{"counters":{}}]""", "JSON array" },
        { "another member", """{"counters":{},"gauges":{},"histograms":{}}""", "Unexpected member 'histograms'" },
        { "a member in another case", """{"Counters":{"a":1}}""", "Unexpected member 'Counters'" },
        { "counters not an object", """{"counters":[1,2],"gauges":{}}""", "'counters' is a JSON array" },
        { "a string value", """{"counters":{"go.gc.collections":"3"},"gauges":{}}""", "counters.go.gc.collections is a JSON string, not a number" },
        { "a boolean value", """{"counters":{},"gauges":{"go.routines":true}}""", "gauges.go.routines is a JSON boolean" },
        { "a null value", """{"counters":{},"gauges":{"go.routines":null}}""", "gauges.go.routines is a JSON null" },
        { "an object value", """{"counters":{},"gauges":{"go.routines":{"v":1}}}""", "gauges.go.routines is a JSON object" },
        { "an overflowing number", """{"counters":{"go.gc.collections":1e400},"gauges":{}}""", "is not a finite number" },
        { "a negative overflowing number", """{"counters":{},"gauges":{"go.routines":-1e400}}""", "is not a finite number" },
        { "NaN as a literal", """{"counters":{"go.gc.collections":NaN},"gauges":{}}""", "not valid JSON" },
        { "a name with a space", """{"counters":{"go gc":1},"gauges":{}}""", "'go gc' is not a valid metric name" },
        { "a name with a doubled dot", """{"counters":{"go..gc":1},"gauges":{}}""", "'go..gc' is not a valid metric name" },
        { "a name starting with a dot", """{"counters":{},"gauges":{".go":1}}""", "'.go' is not a valid metric name" },
        { "a name ending with a dash", """{"counters":{},"gauges":{"go-":1}}""", "'go-' is not a valid metric name" },
        { "a name with a colon", """{"counters":{},"gauges":{"go:gc":1}}""", "'go:gc' is not a valid metric name" },
        { "a name with a non-ASCII letter", """{"counters":{},"gauges":{"gö":1}}""", "is not a valid metric name" },
        { "an empty name", """{"counters":{},"gauges":{"":1}}""", "'' is not a valid metric name" },
        { "a duplicated name", """{"counters":{"a":1,"a":2},"gauges":{}}""", "counters.a appears more than once" },
        { "a duplicated section", """{"counters":{},"counters":{}}""", "'counters' appears more than once" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_malformed_body_gets_400_with_a_one_line_reason(string what, string body, string reason)
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.PostAsync(body);

        await AssertRejectedAsync(sink, response, reason, what);
    }

    [Theory]
    [InlineData(null, "Content-Type is missing")]
    [InlineData("text/plain", "Content-Type is 'text/plain; charset=utf-8'")]
    [InlineData("application/x-www-form-urlencoded", "must be application/json")]
    [InlineData("application/jsonx", "must be application/json")]
    public async Task A_content_type_other_than_JSON_gets_400(string? contentType, string reason)
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.PostAsync(Valid, change: r =>
        {
            if (contentType is null)
            {
                r.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Valid));
            }
            else
            {
                r.Content = new StringContent(Valid, Encoding.UTF8, contentType);
            }
        });

        await AssertRejectedAsync(sink, response, reason, contentType ?? "none");
    }

    [Theory]
    [InlineData(-240, true)]
    [InlineData(-241, false)]
    [InlineData(-3600, false)]
    [InlineData(60, true)]
    [InlineData(61, false)]
    [InlineData(86400, false)]
    public async Task Measurements_time_must_be_at_most_4_minutes_old_and_1_minute_ahead(int offsetSeconds, bool accepted)
    {
        await using var sink = await SinkServer.StartAsync();
        var stamp = SinkServer.Stamp(sink.Time.GetUtcNow().AddSeconds(offsetSeconds));

        using var response = await sink.PostAsync(Valid, change: r =>
        {
            r.Headers.Remove("Measurements-Time");
            r.Headers.Add("Measurements-Time", stamp);
        });

        if (accepted)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, await sink.ReportCountAsync());
        }
        else
        {
            await AssertRejectedAsync(sink, response, offsetSeconds < 0 ? "older than 4 minutes" : "in the future", stamp);
        }
    }

    [Fact]
    public async Task A_report_taken_now_is_stale_once_the_clock_moves_past_4_minutes()
    {
        await using var sink = await SinkServer.StartAsync();
        var stamp = SinkServer.Stamp(sink.Time.GetUtcNow());
        sink.Time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromMilliseconds(1));

        using var response = await sink.PostAsync(Valid, change: r =>
        {
            r.Headers.Remove("Measurements-Time");
            r.Headers.Add("Measurements-Time", stamp);
        });

        await AssertRejectedAsync(sink, response, "older than 4 minutes", "stale");
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-11-25 12:00")]
    [InlineData("1764072000")]
    public async Task A_measurements_time_that_is_not_RFC_3339_gets_400(string value)
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.PostAsync(Valid, change: r =>
        {
            r.Headers.Remove("Measurements-Time");
            r.Headers.TryAddWithoutValidation("Measurements-Time", value);
        });

        await AssertRejectedAsync(sink, response, "is not an RFC 3339 timestamp", value);
    }

    [Fact]
    public async Task Measurements_time_with_an_offset_is_compared_as_an_instant()
    {
        await using var sink = await SinkServer.StartAsync();
        var now = sink.Time.GetUtcNow();
        var stamp = now.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture);

        using var response = await sink.PostAsync(Valid, change: r =>
        {
            r.Headers.Remove("Measurements-Time");
            r.Headers.Add("Measurements-Time", stamp);
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("3", "Measurements-Count is 3 but the body holds 4 metrics")]
    [InlineData("5", "Measurements-Count is 5 but the body holds 4 metrics")]
    [InlineData("0", "Measurements-Count is 0 but the body holds 4 metrics")]
    [InlineData("four", "is not a non-negative integer")]
    [InlineData("-4", "is not a non-negative integer")]
    public async Task A_measurements_count_that_does_not_match_gets_400(string value, string reason)
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.PostAsync(Valid, change: r =>
        {
            r.Headers.Remove("Measurements-Count");
            r.Headers.TryAddWithoutValidation("Measurements-Count", value);
        });

        await AssertRejectedAsync(sink, response, reason, value);
    }

    [Fact]
    public async Task Empty_sections_are_a_valid_report_of_zero_metrics()
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.PostAsync("""{"counters":{},"gauges":{}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await sink.ReportCountAsync());
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_400()
    {
        await using var sink = await SinkServer.StartAsync();
        var names = string.Join(',', Enumerable.Range(0, 20_000).Select(static i => $"\"metric.n{i}\":{i}"));

        using var response = await sink.PostAsync("{\"counters\":{" + names + "},\"gauges\":{}}");

        await AssertRejectedAsync(sink, response, "larger than", "huge");
    }

    [Fact]
    public async Task Reports_are_kept_per_dyno_path()
    {
        await using var sink = await SinkServer.StartAsync();

        (await sink.PostAsync(Valid, "/metrics/dyno-a")).Dispose();
        (await sink.PostAsync(Valid, "/metrics/dyno-b")).Dispose();
        (await sink.PostAsync(Valid, "/metrics/dyno-b")).Dispose();

        Assert.Equal(1, await sink.ReportCountAsync("/dyno-a"));
        Assert.Equal(2, await sink.ReportCountAsync("/dyno-b"));
        var dynos = (await sink.DataAsync()).GetProperty("dynos").EnumerateArray().Select(static d => d.GetProperty("dyno").GetString()).ToList();
        Assert.Equal(["/dyno-b", "/dyno-a"], dynos);
    }

    [Fact]
    public async Task Rejections_are_listed_with_their_reason_in_the_chart_data()
    {
        await using var sink = await SinkServer.StartAsync();

        (await sink.PostAsync("""{"counters":{"x y":1}}""")).Dispose();

        var request = Assert.Single((await sink.DataAsync()).GetProperty("requests").EnumerateArray());
        Assert.Equal(400, request.GetProperty("status").GetInt32());
        Assert.Contains("'x y' is not a valid metric name", request.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task AssertRejectedAsync(SinkServer sink, HttpResponseMessage response, string reason, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: expected 400, got {(int)response.StatusCode} '{text}'");
        Assert.Contains(reason, text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text.TrimEnd('\n'));
        Assert.Equal(0, await sink.ReportCountAsync());
    }
}
