using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Logging;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>A configuration reload applies at the next report without a restart; an invalid one is ignored (SPEC §3.1).</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task A_new_user_agent_and_endpoint_apply_at_the_next_report()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var moved = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(new Dictionary<string, string?>
        {
            ["HEROKU_METRICS_URL"] = server.Url(),
        });

        Assert.Equal("hmetrics/1.0 (app using HMetrics.Hosting package)", (await host.StartAndDeliverFirstReportAsync(server)).Header("User-Agent"));

        Reload(host, ("HerokuMetrics:UserAgent", "my-app/2.0 (reloaded)"));
        Assert.Equal("my-app/2.0 (reloaded)", (await host.AdvanceToNextReportAsync(server, 2)).Header("User-Agent"));

        Reload(host, ("HerokuMetrics:Endpoint", moved.Url("/metrics/moved")));
        var report = await host.AdvanceToNextReportAsync(moved, 3);
        Assert.Equal("/metrics/moved", report.PathAndQuery);
        Assert.Equal("my-app/2.0 (reloaded)", report.Header("User-Agent"));
        Assert.Equal(At(60), report.Header("Measurements-Time"));

        Assert.Equal(2, server.RequestCount);
        Assert.Empty(host.Records("InvalidOptionsIgnored"));
    }

    [Fact]
    public async Task A_new_interval_applies_from_the_next_report_on()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(new Dictionary<string, string?>
        {
            ["HEROKU_METRICS_URL"] = server.Url(),
        });

        await host.StartAsync();
        await host.Time.WaitForTimerAsync(Seconds(20));

        // The tick already scheduled (at 20 s) stands; from that report on, the cadence is 5 s.
        Reload(host, ("HerokuMetrics:PostInterval", "00:00:05"));
        host.Time.Advance(Seconds(20));
        Assert.Equal(At(20), (await server.NextAsync()).Header("Measurements-Time"));
        await host.Time.WaitForTimerChangeAsync(Seconds(5));
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(At(20 + (5 * i)), (await host.AdvanceToNextReportAsync(server, 1 + i, Seconds(5))).Header("Measurements-Time"));
        }
    }

    [Fact]
    public async Task An_invalid_reload_is_logged_as_an_error_and_reporting_goes_on_with_the_old_values()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(new Dictionary<string, string?>
        {
            ["HEROKU_METRICS_URL"] = server.Url(),
        });

        _ = await host.StartAndDeliverFirstReportAsync(server);

        // One bad value spoils the whole reload: the valid new user agent does not apply either.
        Reload(host, ("HerokuMetrics:PostInterval", "00:00:00"), ("HerokuMetrics:UserAgent", "my-app/2.0"));
        for (var i = 2; i <= 4; i++)
        {
            var report = await host.AdvanceToNextReportAsync(server, i);
            Assert.Equal(At(20 * i), report.Header("Measurements-Time"));
            Assert.Equal("hmetrics/1.0 (app using HMetrics.Hosting package)", report.Header("User-Agent"));
        }

        var error = Assert.Single(host.Records("InvalidOptionsIgnored"));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("HerokuMetrics:PostInterval must be at least 10 ms", error.Message, StringComparison.Ordinal);
        Assert.Empty(host.Records("UnexpectedError"));

        // A later valid reload applies again.
        Reload(host, ("HerokuMetrics:PostInterval", "00:00:20"), ("HerokuMetrics:UserAgent", "my-app/3.0"));
        host.Time.Advance(Seconds(20));
        Assert.Equal("my-app/3.0", (await server.NextAsync()).Header("User-Agent"));
    }

    [Fact]
    public async Task An_endpoint_reloaded_to_an_unusable_url_is_ignored_with_a_redacted_error()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(new Dictionary<string, string?>
        {
            ["HEROKU_METRICS_URL"] = server.Url(),
        });

        await host.StartAsync();
        await host.Time.WaitForTimerAsync(Seconds(20));

        Reload(host, ("HerokuMetrics:Endpoint", "ftp://agent:pw-5e4d3c@metrics.example/data"));
        host.Time.Advance(Seconds(20));
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered");

        var error = Assert.Single(host.Records("InvalidOptionsIgnored"));
        Assert.Contains("ftp://redacted@metrics.example/data", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-5e4d3c", error.Message, StringComparison.Ordinal);
    }

    // What a reloadOnChange file source does: new values, then the change token fires.
    private static void Reload(MetricsHost host, params (string Key, string Value)[] values)
    {
        foreach (var (key, value) in values)
        {
            host.Configuration[key] = value;
        }

        host.Configuration.Reload();
    }
}
