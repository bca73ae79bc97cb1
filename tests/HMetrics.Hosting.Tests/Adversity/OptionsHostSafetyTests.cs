using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>
/// Issue 18, "Host fails to start; a reload throws": a misspelt key under HerokuMetrics plus a logging provider that
/// throws (a full disk). The unknown-key Warning was written through a raw logger from inside the options pipeline, so
/// the host's start failed, and on a reload <c>IConfigurationRoot.Reload()</c> threw and <c>CurrentValue</c> kept
/// throwing, the valid part of the reload lost.
/// </summary>
public sealed class OptionsHostSafetyTests
{
    [Fact]
    public async Task A_misspelt_key_with_a_logging_provider_that_throws_neither_fails_the_start_nor_stops_reporting()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var fullDisk = new FullDiskLoggerProvider();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(server, ("HerokuMetrics:PostIntervall", "00:00:02")),
            services => services.AddLogging(b => b.AddProvider(fullDisk)));

        _ = await host.StartAndDeliverFirstReportAsync(server);
        _ = await host.AdvanceToNextReportAsync(server, 2);

        // The warning reached the throwing provider (and the test's collector): it was written, and it cost nothing.
        Assert.Single(host.Records("UnknownSetting"));
        Assert.True(fullDisk.Thrown >= 1, $"the provider threw {fullDisk.Thrown} times");
        Assert.Empty(host.Records("UnexpectedError"));
    }

    [Fact]
    public async Task A_reload_with_a_misspelt_key_and_a_logging_provider_that_throws_does_not_throw_and_applies_the_valid_values()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var fullDisk = new FullDiskLoggerProvider();
        await using var host = MetricsHost.Create(MetricsHost.Settings(server), services => services.AddLogging(b => b.AddProvider(fullDisk)));
        _ = await host.StartAndDeliverFirstReportAsync(server);
        var thrownBefore = fullDisk.Thrown;

        var reload = Record.Exception(() => host.Reload(
            ("HerokuMetrics:MaxBackof", "00:01:00"),
            ("HerokuMetrics:PostInterval", "00:00:05"),
            ("HerokuMetrics:UserAgent", "my-app/2.0")));

        Assert.Null(reload);
        Assert.Contains(host.Records("UnknownSetting"), r => r.Message.StartsWith("HerokuMetrics:MaxBackof ", StringComparison.Ordinal));
        Assert.True(fullDisk.Thrown > thrownBefore, "the unknown-key warning of the reload did not reach the throwing provider");
        var monitor = host.Host.Services.GetRequiredService<IOptionsMonitor<HerokuMetricsOptions>>();
        Assert.Equal(TimeSpan.FromSeconds(5), monitor.CurrentValue.PostInterval);
        Assert.Equal("my-app/2.0", monitor.CurrentValue.UserAgent);

        // The reporter applied it too: the next sample is due one new interval after the last one (20 s).
        var report = await host.AdvanceToNextReportAsync(server, 2, Seconds(5));
        Assert.Equal(At(25), report.Header("Measurements-Time"));
        Assert.Equal("my-app/2.0", report.Header("User-Agent"));
        Assert.Single(host.Records("SettingsChanged"));
        Assert.Empty(host.Records("InvalidOptionsIgnored"));
    }
}
