using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HMetrics.DevSink.Tests.Helpers;

namespace HMetrics.DevSink.Tests;

/// <summary>Faults switched at runtime through the JSON API the page uses.</summary>
public sealed class FaultInjectionTests
{
    private const string Valid = """{"counters":{"go.gc.collections":1},"gauges":{"go.routines":2}}""";

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(400)]
    [InlineData(302)]
    public async Task A_given_status_is_answered_instead_of_processing_the_report(int status)
    {
        await using var sink = await SinkServer.StartAsync();
        (await sink.SetFaultsAsync(new { status })).EnsureSuccessStatusCode();

        using var response = await sink.PostAsync(Valid);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal(0, await sink.ReportCountAsync());
    }

    [Fact]
    public async Task Retry_after_is_added_to_injected_failures()
    {
        await using var sink = await SinkServer.StartAsync();
        (await sink.SetFaultsAsync(new { status = 503, retryAfterSeconds = 30 })).EnsureSuccessStatusCode();

        using var response = await sink.PostAsync(Valid);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [InlineData(50, new[] { false, true, false, true, false, true })]
    [InlineData(25, new[] { false, false, false, true, false, false, false, true })]
    [InlineData(100, new[] { true, true, true })]
    [InlineData(0, new[] { false, false, false })]
    public async Task A_given_share_of_reports_fails_in_a_predictable_pattern(double failPercent, bool[] pattern)
    {
        await using var sink = await SinkServer.StartAsync();
        (await sink.SetFaultsAsync(new { status = 500, failPercent })).EnsureSuccessStatusCode();

        var failed = new List<bool>();
        foreach (var _ in pattern)
        {
            using var response = await sink.PostAsync(Valid);
            failed.Add(response.StatusCode == HttpStatusCode.InternalServerError);
        }

        Assert.Equal(pattern, failed);
        Assert.Equal(pattern.Count(static f => !f), await sink.ReportCountAsync());
    }

    [Fact]
    public async Task A_delay_holds_the_answer_until_that_much_time_has_passed()
    {
        await using var sink = await SinkServer.StartAsync();
        (await sink.SetFaultsAsync(new { delayMs = 7000 })).EnsureSuccessStatusCode();

        var posting = sink.PostAsync(Valid);
        await sink.Time.WaitForTimerAsync(TimeSpan.FromSeconds(7));
        Assert.False(posting.IsCompleted);
        sink.Time.Advance(TimeSpan.FromSeconds(7));
        using var response = await posting.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await sink.ReportCountAsync());
    }

    [Fact]
    public async Task Clearing_faults_makes_the_sink_accept_again()
    {
        await using var sink = await SinkServer.StartAsync();
        (await sink.SetFaultsAsync(new { status = 500 })).EnsureSuccessStatusCode();
        (await sink.PostAsync(Valid)).Dispose();

        using var cleared = await sink.Client.DeleteAsync("api/faults");
        using var response = await sink.PostAsync(Valid);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var faults = await cleared.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, faults.GetProperty("status").ValueKind);
        var statuses = (await sink.DataAsync()).GetProperty("requests").EnumerateArray().Select(static r => r.GetProperty("status").GetInt32());
        Assert.Equal([200, 500], statuses);
    }

    [Fact]
    public async Task The_settings_in_force_are_readable_and_in_the_chart_data()
    {
        await using var sink = await SinkServer.StartAsync();
        (await sink.SetFaultsAsync(new { status = 429, retryAfterSeconds = 5, failPercent = 50, delayMs = 10 })).EnsureSuccessStatusCode();

        var read = await sink.Client.GetFromJsonAsync<JsonElement>("api/faults");
        var inData = (await sink.DataAsync()).GetProperty("faults");

        foreach (var faults in new[] { read, inData })
        {
            Assert.Equal(429, faults.GetProperty("status").GetInt32());
            Assert.Equal(5, faults.GetProperty("retryAfterSeconds").GetInt32());
            Assert.Equal(50, faults.GetProperty("failPercent").GetDouble());
            Assert.Equal(10, faults.GetProperty("delayMs").GetInt32());
        }
    }

    [Theory]
    [InlineData("""{"status":99}""", "status must be")]
    [InlineData("""{"status":500,"failPercent":101}""", "failPercent must be")]
    [InlineData("""{"retryAfterSeconds":-1}""", "retryAfterSeconds must be")]
    [InlineData("""{"delayMs":-5}""", "delayMs must be")]
    public async Task Invalid_settings_are_refused_and_change_nothing(string body, string reason)
    {
        await using var sink = await SinkServer.StartAsync();

        using var response = await sink.Client.PutAsync("api/faults", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var post = await sink.PostAsync(Valid);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
    }
}
