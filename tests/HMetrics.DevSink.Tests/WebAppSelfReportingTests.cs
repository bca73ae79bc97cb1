using System.Net;
using System.Text.Json;
using HMetrics.DevSink.Tests.Helpers;
using HMetrics.Hosting.Tests.Helpers;
using HMetrics.Sample.WebApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HMetrics.DevSink.Tests;

/// <summary>The web app sample's embedded default, run through its real Program and appsettings files.</summary>
public sealed class WebAppSelfReportingTests
{
    // appsettings.Development.json: a report every 5 s.
    private static readonly TimeSpan DevelopmentInterval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task In_development_without_an_endpoint_the_app_reports_to_its_own_sink_and_the_reports_reach_the_chart_data()
    {
        await using var app = new SampleApp();
        using var client = app.Start();
        _ = await app.WaitForChartsUrlAsync();
        var started = app.Time.GetUtcNow();

        // The first sample is due at a random phase within the first interval; the rest follow one interval apart.
        var firstDue = await app.Time.NextTimerAsync(static due => due > TimeSpan.Zero && due <= DevelopmentInterval);
        for (var i = 1; i <= 3; i++)
        {
            app.Time.Advance(i == 1 ? firstDue : DevelopmentInterval);
            await app.WaitForLogAsync("ReportDelivered", i);
        }

        using var data = JsonDocument.Parse(await client.GetStringAsync("/_hmetrics/api/data"));
        var root = data.RootElement;
        Assert.Equal("/" + SelfReporting.DynoId, root.GetProperty("dyno").GetString());
        var reports = root.GetProperty("reports").EnumerateArray().ToList();
        Assert.Equal(3, reports.Count);
        Assert.Equal(
            [ToMilliseconds(started + firstDue), ToMilliseconds(started + firstDue + DevelopmentInterval), ToMilliseconds(started + firstDue + (2 * DevelopmentInterval))],
            reports.Select(static r => r.GetProperty("measuredAt").GetDateTimeOffset()));

        // appsettings.Development.json asks for both schemas, so the dotnet.* charts have data too.
        foreach (var report in reports)
        {
            Assert.True(report.GetProperty("counters").TryGetProperty("go.gc.collections", out _));
            Assert.True(report.GetProperty("counters").TryGetProperty("dotnet.gc.collections.gen0", out _));
            Assert.True(report.GetProperty("gauges").TryGetProperty("go.memory.heap.bytes", out _));
            Assert.True(report.GetProperty("gauges").TryGetProperty("dotnet.thread_pool.thread.count", out _));
        }

        var totalCollections = reports.Sum(static r => r.GetProperty("counters").GetProperty("go.gc.collections").GetDouble());
        Assert.InRange(totalCollections, 0, GC.CollectionCount(0));
    }

    [Fact]
    public async Task Stopping_the_self_reporting_app_delivers_the_final_report_to_its_own_sink_without_a_warning()
    {
        // dotnet run, then Ctrl+C: the reporter's final report goes to the sink inside the app, although WebApplication
        // stops Kestrel before the other hosted services. Built by the sample's own code, on real Kestrel, started and
        // stopped as the host does it (WebApplicationFactory stops a host its own way, so it would not show this).
        var time = new TestTimeProvider();
        using var logged = new SemaphoreSlim(0);
        var app = SampleApplication.Build(
            ["--environment", "Development", "--urls", "http://127.0.0.1:0", "--Sample:GenerateLoad=false"],
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Logging.AddFilter<FakeLoggerProvider>(null, LogLevel.Trace).AddFakeLogging(options =>
                {
                    options.CollectRecordsForDisabledLogLevels = true;
                    options.OutputSink = _ => logged.Release();
                });
            });
        var logs = app.Services.GetFakeLogCollector();
        var store = app.Services.GetRequiredService<ReportStore>();
        try
        {
            await app.StartAsync();
            time.Advance(await time.NextTimerAsync(static due => due > TimeSpan.Zero && due <= DevelopmentInterval));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!logs.GetSnapshot().Any(static r => r.Id.Name == "ReportDelivered"))
            {
                Assert.True(DateTime.UtcNow < deadline, "no report was delivered to the app's own sink:\n" + string.Join("\n", logs.GetSnapshot().Select(static r => $"{r.Level} {r.Category} {r.Id.Name}: {r.Message}")));
                _ = await logged.WaitAsync(TimeSpan.FromMilliseconds(200));
            }

            await app.StopAsync();
        }
        finally
        {
            await app.DisposeAsync();
        }

        var records = logs.GetSnapshot();
        Assert.Empty(records.Where(static r => r.Category == "HMetrics.Hosting" && r.Level >= LogLevel.Warning)
            .Select(static r => $"{r.Level} {r.Id.Name}: {r.Message}"));
        Assert.Single(records, static r => r.Category == "HMetrics.Hosting" && r.Id.Name == "Flushed");
        Assert.Equal(2, store.Reports("/" + SelfReporting.DynoId).Count);
    }

    [Fact]
    public async Task Allocate_with_a_value_that_is_not_a_number_answers_400_with_problem_details()
    {
        await using var app = new SampleApp("Production");
        using var client = app.Start();

        using var response = await client.GetAsync("/allocate?mb=abc");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("'mb' must be a whole number.", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("abc", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var contend = await client.GetAsync("/contend?workers=many");
        Assert.Equal(HttpStatusCode.BadRequest, contend.StatusCode);
    }

    [Fact]
    public async Task The_console_says_where_the_charts_are_and_the_page_is_served_there()
    {
        await using var app = new SampleApp();
        using var client = app.Start();

        var chartsUrl = await app.WaitForChartsUrlAsync();

        Assert.Equal(new Uri(app.BaseAddress, "/_hmetrics/"), chartsUrl);
        var page = await client.GetStringAsync(chartsUrl);
        Assert.Contains("<base href=\"/_hmetrics/\">", page, StringComparison.Ordinal);
        Assert.Contains("assets/charts.js", page, StringComparison.Ordinal);
        Assert.Contains("Goroutines", await client.GetStringAsync("/_hmetrics/assets/charts.js"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_HEROKU_METRICS_URL_set_the_app_reports_there_and_mounts_no_sink()
    {
        await using var heroku = await HerokuLikeServer.StartAsync();
        await using var app = new SampleApp(settings: new Dictionary<string, string?> { ["HEROKU_METRICS_URL"] = heroku.Url() });
        using var client = app.Start();

        app.Time.Advance(await app.Time.NextTimerAsync(static due => due > TimeSpan.Zero && due <= DevelopmentInterval));
        var report = await heroku.NextAsync();

        Assert.Equal("/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f", report.PathAndQuery);
        using var page = await client.GetAsync("/_hmetrics/");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        using var ingest = await client.PostAsync("/_hmetrics/metrics/x", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, ingest.StatusCode);
    }

    [Fact]
    public async Task With_HerokuMetrics_Endpoint_configured_no_sink_is_mounted()
    {
        await using var heroku = await HerokuLikeServer.StartAsync();
        await using var app = new SampleApp(settings: new Dictionary<string, string?> { ["HerokuMetrics:Endpoint"] = heroku.Url("/custom/path") });
        using var client = app.Start();

        app.Time.Advance(await app.Time.NextTimerAsync(static due => due > TimeSpan.Zero && due <= DevelopmentInterval));

        Assert.Equal("/custom/path", (await heroku.NextAsync()).PathAndQuery);
        using var page = await client.GetAsync("/_hmetrics/");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task Outside_development_the_sink_is_never_mounted_and_the_reporter_stays_idle(string environment)
    {
        await using var app = new SampleApp(environment);
        using var client = app.Start();

        await app.WaitForLogAsync("EndpointNotFound");
        using var page = await client.GetAsync("/_hmetrics/");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        using var data = await client.GetAsync("/_hmetrics/api/data");
        Assert.Equal(HttpStatusCode.NotFound, data.StatusCode);
    }

    [Fact]
    public async Task The_endpoints_allocate_and_contend()
    {
        await using var app = new SampleApp("Production");
        using var client = app.Start();

        using var allocated = JsonDocument.Parse(await client.GetStringAsync("/allocate?mb=256"));
        using var contended = JsonDocument.Parse(await client.GetStringAsync("/contend?workers=4&iterations=50"));

        Assert.Equal(256, allocated.RootElement.GetProperty("allocatedMegabytes").GetInt32());
        Assert.True(allocated.RootElement.GetProperty("gen0Collections").GetInt32() > 0, "256 MB of small arrays must trigger a gen-0 collection");
        Assert.True(contended.RootElement.GetProperty("lockContentions").GetInt64() >= 0);
    }

    [Theory]
    [InlineData(new[] { "http://127.0.0.1:5080" }, "http://127.0.0.1:5080")]
    [InlineData(new[] { "https://localhost:5001", "http://localhost:5000" }, "http://localhost:5000")]
    [InlineData(new[] { "http://+:8080" }, "http://127.0.0.1:8080")]
    [InlineData(new[] { "http://0.0.0.0:80/" }, "http://127.0.0.1:80")]
    [InlineData(new[] { "http://[::]:5080" }, "http://127.0.0.1:5080")]
    [InlineData(new[] { "http://[::1]:5080" }, "http://[::1]:5080")]
    [InlineData(new[] { "https://localhost:5001;http://*:5000" }, "http://127.0.0.1:5000")]
    [InlineData(new string[0], "http://localhost:5000")]
    public void The_origin_is_a_connectable_http_address(string[] addresses, string expected) =>
        Assert.Equal(expected, SelfReporting.OriginOf(addresses));

    // Measurements-Time carries milliseconds; the random first phase need not fall on a whole one.
    private static DateTimeOffset ToMilliseconds(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerMillisecond));
}
