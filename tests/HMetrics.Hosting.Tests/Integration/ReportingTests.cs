using HMetrics.Hosting.Tests.Helpers;

namespace HMetrics.Hosting.Tests.Integration;

public sealed class ReportingTests
{
    [Fact]
    public async Task Delivers_a_report_every_interval_with_the_go_schema()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(new Dictionary<string, string?>
        {
            ["HEROKU_METRICS_URL"] = server.Url(),
        });

        await host.StartAsync();
        await host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(20));
        host.Time.Advance(TimeSpan.FromSeconds(20));
        var report = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered");

        Assert.Equal("POST", report.Method);
        Assert.Equal("application/json", report.Header("Content-Type"));
        var root = report.Json().RootElement;
        Assert.True(root.GetProperty("counters").TryGetProperty("go.gc.collections", out _));
        Assert.True(root.GetProperty("gauges").TryGetProperty("go.memory.heap.bytes", out _));

        host.Time.Advance(TimeSpan.FromSeconds(20));
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered", 2);
    }
}
