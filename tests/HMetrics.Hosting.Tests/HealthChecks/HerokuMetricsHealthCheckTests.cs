using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HMetrics.Hosting.Tests.HealthChecks;

public sealed class HerokuMetricsHealthCheckTests
{
    private const string Secret = "0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";

    [Theory]
    [InlineData(null, null, "EndpointNotFound", "HEROKU_METRICS_URL not found")]
    [InlineData("  ", null, "EndpointEmpty", "is empty")]
    [InlineData("http://127.0.0.1:9/metrics/" + Secret, "false", "Disabled", "HerokuMetrics:Enabled")]
    public async Task Healthy_with_a_disabled_description_saying_why_when_not_reporting(
        string? endpoint, string? enabled, string idleEvent, string why)
    {
        var settings = new Dictionary<string, string?>();
        if (endpoint is not null)
        {
            settings["HEROKU_METRICS_URL"] = endpoint;
        }

        if (enabled is not null)
        {
            settings["HerokuMetrics:Enabled"] = enabled;
        }

        await using var host = MetricsHost.Create(settings, services => services.AddHealthChecks().AddHerokuMetrics());
        await host.StartAsync();
        await host.WaitForLogAsync(idleEvent);

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Contains("disabled", entry.Description, StringComparison.Ordinal);
        Assert.Contains(why, entry.Description, StringComparison.Ordinal);
        AssertNoSecret(entry);
    }

    [Fact]
    public async Task Healthy_while_reports_flow_degraded_after_a_failure_unhealthy_after_the_window_and_healthy_again()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(
                server.Url($"/metrics/{Secret}?token=tok-secret-1"),
                ("HerokuMetrics:BackoffJitter", "00:00:00"),
                ("HerokuMetrics:MaxBackoff", "00:10:00")),
            services => services.AddHealthChecks().AddHerokuMetrics(configure: o => o.UnhealthyAfter = TimeSpan.FromMinutes(2)));
        await host.StartAndSendFirstReportAsync();
        await host.WaitForLogAsync("ReportDelivered");

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);

        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        host.Time.Advance(TimeSpan.FromSeconds(20));
        await host.WaitForLogAsync("ReportFailed");

        var degraded = await CheckAsync(host);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("http_5xx", degraded.Data["lastFailure"]);

        // Keep failing through the backoff until two minutes have passed since the first failure. No success pays for
        // an early retry in an outage: each goes at the later of Polly's delay and the next sampling tick.
        var failures = 1;
        var delay = TimeSpan.FromSeconds(1);
        for (; failures < 8; delay += delay)
        {
            await host.Time.WaitForTimerAsync(delay);
            AdvanceToRetry(host, delay);
            await host.WaitForLogAsync("ReportFailed", ++failures);
        }

        Assert.True(host.Time.Elapsed - TimeSpan.FromSeconds(40) > TimeSpan.FromMinutes(2));
        var unhealthy = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        AssertNoSecret(unhealthy);

        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(delay);
        AdvanceToRetry(host, delay);
        await host.WaitForLogAsync("Recovered");

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
    }

    [Fact]
    public async Task An_invalid_window_is_the_checks_failure_in_the_health_report_and_stops_nothing()
    {
        // The check reads its window, while reports fail, where the health check service calls it, inside that service's
        // own catch-all (BoundaryTests allows exactly this call): the app sees its validation message as the description.
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(server.Url($"/metrics/{Secret}"), ("HerokuMetrics:BackoffJitter", "00:00:00")),
            services => services.AddHealthChecks().AddHerokuMetrics(configure: o => o.UnhealthyAfter = TimeSpan.Zero));
        await host.StartAndSendFirstReportAsync();
        await host.WaitForLogAsync("ReportFailed");

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("UnhealthyAfter must be more than zero", entry.Description, StringComparison.Ordinal);
        server.RespondWithStatus(HttpStatusCode.OK);
        var delay = host.Time.UntilNextTick(MetricsHost.DefaultInterval);
        await host.Time.WaitForTimerAsync(delay);
        AdvanceToRetry(host, delay);
        await host.WaitForLogAsync("Recovered");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
    }

    // A failure no success paid for is retried at the later of Polly's delay and the next sampling tick.
    private static void AdvanceToRetry(MetricsHost host, TimeSpan delay) =>
        host.Time.AdvanceTo(host.Time.UnpaidRetryAt(delay, MetricsHost.DefaultInterval), MetricsHost.DefaultInterval);

    private static async Task<HealthReportEntry> CheckAsync(MetricsHost host)
    {
        var report = await host.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["heroku-metrics"];
    }

    private static void AssertNoSecret(HealthReportEntry entry)
    {
        var text = entry.Description + string.Join(",", entry.Data.Select(kv => kv.Key + "=" + kv.Value));
        Assert.DoesNotContain(Secret, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("tok-secret-1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
    }
}
