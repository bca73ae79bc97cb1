using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Logging;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>A configuration reload applies without a restart; an invalid one is ignored (docs/behaviour.md, "Options").</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task A_new_user_agent_and_endpoint_apply_at_the_next_report()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var moved = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        Assert.Equal("hmetrics/1.0 (app using HMetrics.Hosting package)", (await host.StartAndDeliverFirstReportAsync(server)).Header("User-Agent"));

        host.Reload(("HerokuMetrics:UserAgent", "my-app/2.0 (reloaded)"));
        Assert.Equal("my-app/2.0 (reloaded)", (await host.AdvanceToNextReportAsync(server, 2)).Header("User-Agent"));

        host.Reload(("HerokuMetrics:Endpoint", moved.Url("/metrics/moved")));
        var report = await host.AdvanceToNextReportAsync(moved, 3);
        Assert.Equal("/metrics/moved", report.PathAndQuery);
        Assert.Equal("my-app/2.0 (reloaded)", report.Header("User-Agent"));
        Assert.Equal(At(60), report.Header("Measurements-Time"));

        Assert.Equal(2, server.RequestCount);
        Assert.Empty(host.Records("InvalidOptionsIgnored"));
    }

    [Fact]
    public async Task A_new_interval_applies_at_once_counted_from_the_last_sample()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        await host.StartAndWaitForFirstTimerAsync();

        // The schedule is re-timed at once: the next sample is due one new interval after the last one (the start).
        host.Reload(("HerokuMetrics:PostInterval", "00:00:05"));
        await host.Time.WaitForTimerChangeAsync(Seconds(5));
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(At(5 * i), (await host.AdvanceToNextReportAsync(server, i, Seconds(5))).Header("Measurements-Time"));
        }
    }

    [Fact]
    public async Task A_reload_back_to_a_short_interval_does_not_wait_out_the_long_one()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:PostInterval", "00:00:01"));
        await host.StartAndDeliverFirstReportAsync(server, Seconds(1));

        host.Reload(("HerokuMetrics:PostInterval", "1.00:00:00"));
        await host.Time.WaitForTimerChangeAsync(TimeSpan.FromDays(1));
        host.Time.Advance(Seconds(5));

        // Back to 1 s at 6 s: the moment one new interval after the last sample (2 s) has passed, so a sample is due now.
        host.Reload(("HerokuMetrics:PostInterval", "00:00:01"));
        await host.Time.WaitForTimerChangeAsync(TimeSpan.Zero);
        host.Time.Advance(TimeSpan.Zero);
        Assert.Equal(At(6), (await server.NextAsync()).Header("Measurements-Time"));
        await host.WaitForLogAsync("ReportDelivered", 2);
        Assert.Equal(At(7), (await host.AdvanceToNextReportAsync(server, 3, Seconds(1))).Header("Measurements-Time"));
        Assert.Equal(2 + 1, server.RequestCount);
    }

    [Fact]
    public async Task An_invalid_reload_is_logged_as_an_error_and_reporting_goes_on_with_the_old_values()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        _ = await host.StartAndDeliverFirstReportAsync(server);

        // One bad value spoils the whole reload: the valid new user agent does not apply either.
        host.Reload(("HerokuMetrics:PostInterval", "00:00:00"), ("HerokuMetrics:UserAgent", "my-app/2.0"));
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
        Assert.Empty(host.Records("SettingsChanged"));

        // A later valid reload applies again, and says what changed in force: the interval is back to what it was.
        host.Reload(("HerokuMetrics:PostInterval", "00:00:20"), ("HerokuMetrics:UserAgent", "my-app/3.0"));
        host.Time.Advance(Seconds(20));
        Assert.Equal("my-app/3.0", (await server.NextAsync()).Header("User-Agent"));
        Assert.Equal(
            "Heroku metrics settings changed by a configuration reload: UserAgent 'hmetrics/1.0 (app using HMetrics.Hosting package)' → 'my-app/3.0'.",
            Assert.Single(host.Records("SettingsChanged")).Message);
    }

    [Fact]
    public async Task A_reload_that_applies_logs_one_information_line_naming_each_change_with_the_endpoint_redacted()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var moved = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        _ = await host.StartAndDeliverFirstReportAsync(server);
        var secretUrl = moved.Url("/metrics/6f1c2d3e-8a7b-4c5d-9e0f-a1b2c3d4e5f6?token=tok-9d8c7b");

        host.Reload(("HerokuMetrics:Endpoint", secretUrl), ("HerokuMetrics:PostInterval", "00:00:05"), ("HerokuMetrics:Schema", "Both"));

        var line = Assert.Single(host.Records("SettingsChanged"));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(22, line.Id.Id);
        Assert.Equal(
            "Heroku metrics settings changed by a configuration reload: " +
            $"Endpoint {server.BaseAddress.GetLeftPart(UriPartial.Authority)}/metrics/redacted → {moved.BaseAddress.GetLeftPart(UriPartial.Authority)}/metrics/redacted?redacted, " +
            "PostInterval 00:00:20 → 00:00:05, HttpTimeout 00:00:20 → 00:00:05, Schema Go → Both.",
            line.Message);
        foreach (var secret in new[] { "0b9c1f2e", "6f1c2d3e", "tok-9d8c7b" })
        {
            Assert.DoesNotContain(secret, line.Message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal("/metrics/6f1c2d3e-8a7b-4c5d-9e0f-a1b2c3d4e5f6?token=tok-9d8c7b", (await host.AdvanceToNextReportAsync(moved, 2, Seconds(5))).PathAndQuery);
    }

    [Fact]
    public async Task A_reload_that_changes_nothing_in_force_logs_nothing()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:PostInterval", "00:00:20"));
        _ = await host.StartAndDeliverFirstReportAsync(server);

        // The same value again, a key the library does not read, and an explicit timeout equal to the one in force.
        host.Reload(("HerokuMetrics:PostInterval", "00:00:20"));
        host.Reload(("Logging:LogLevel:Default", "Warning"));
        host.Reload(("HerokuMetrics:HttpTimeout", "00:00:20"));
        _ = await host.AdvanceToNextReportAsync(server, 2);

        Assert.Empty(host.Records("SettingsChanged"));
        Assert.Empty(host.Records("InvalidOptionsIgnored"));
        Assert.Empty(host.Records("HttpTimeoutClamped"));
    }

    [Fact]
    public async Task An_endpoint_reloaded_to_an_unusable_url_is_ignored_with_a_redacted_error()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        await host.StartAndWaitForFirstTimerAsync();

        host.Reload(("HerokuMetrics:Endpoint", "ftp://agent:pw-5e4d3c@metrics.example/data"));
        host.Time.Advance(Seconds(20));
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered");

        var error = Assert.Single(host.Records("InvalidOptionsIgnored"));
        Assert.Contains("ftp://redacted@metrics.example/data", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-5e4d3c", error.Message, StringComparison.Ordinal);
    }

}
