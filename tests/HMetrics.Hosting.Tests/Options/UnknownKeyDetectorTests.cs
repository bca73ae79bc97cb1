using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>Issue 14, point 4: a misspelt key under HerokuMetrics is reported, with the nearest setting, at start and on reload.</summary>
public sealed class UnknownKeyDetectorTests
{
    [Theory]
    [InlineData("PostIntervall", "PostInterval")]
    [InlineData("postintervl", "PostInterval")]
    [InlineData("MaxBackof", "MaxBackoff")]
    [InlineData("Timeout", "HttpTimeout")]
    [InlineData("Url", null)]
    [InlineData("ReportOnOneOffDyno", "ReportOnOneOffDynos")]
    [InlineData("SomethingElseEntirely", null)]
    public void The_suggestion_is_the_nearest_setting(string key, string? expected)
    {
        Assert.Equal(expected, UnknownKeyDetector.Suggest(key));
    }

    [Fact]
    public void Every_public_setting_is_a_known_key_and_any_case_of_it_too()
    {
        var settable = typeof(HerokuMetricsOptions).GetProperties().Where(p => p.CanWrite && p.SetMethod!.IsPublic).Select(p => p.Name);

        Assert.Equal(settable.Order(), UnknownKeyDetector.KnownKeys.Order());
        Assert.True(UnknownKeyDetector.IsKnown("postinterval"));
    }

    [Fact]
    public async Task A_misspelt_key_is_reported_once_at_start_naming_the_nearest_setting_and_again_after_a_reload()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:PostIntervall", "00:00:02"), ("HerokuMetrics:Schema", "Go"));

        _ = await host.StartAndDeliverFirstReportAsync(server);
        _ = await host.AdvanceToNextReportAsync(server, 2);
        _ = await host.AdvanceToNextReportAsync(server, 3);

        var atStart = Assert.Single(host.Records("UnknownSetting"));
        Assert.Equal(LogLevel.Warning, atStart.Level);
        Assert.Equal("HerokuMetrics:PostIntervall is not a setting of HMetrics.Hosting and is ignored. Did you mean PostInterval?", atStart.Message);

        host.Configuration["HerokuMetrics:MaxBackof"] = "00:01:00";
        host.Configuration.Reload();
        _ = await host.AdvanceToNextReportAsync(server, 4);
        _ = await host.AdvanceToNextReportAsync(server, 5);

        var records = host.Records("UnknownSetting").Select(r => r.Message).ToList();
        Assert.Equal(3, records.Count);
        Assert.Contains("HerokuMetrics:MaxBackof is not a setting of HMetrics.Hosting and is ignored. Did you mean MaxBackoff?", records);
        Assert.Equal(2, records.Count(r => r.StartsWith("HerokuMetrics:PostIntervall ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Known_keys_in_any_case_are_not_reported()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:postinterval", "00:00:20"), ("HerokuMetrics:FLUSHONSHUTDOWN", "true"));

        _ = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Empty(host.Records("UnknownSetting"));
    }

    [Fact]
    public void A_configuration_that_cannot_be_listed_is_not_checked_and_nothing_is_thrown()
    {
        var configuration = ThrowingConfiguration.Create();
        var detector = new UnknownKeyDetector(NullLoggerFactory.Instance);

        var error = Record.Exception(() => detector.Check(configuration.GetSection("HerokuMetrics"), configuration));

        Assert.Null(error);
    }

    [Fact]
    public void A_provider_that_throws_on_one_warning_costs_that_line_only_every_unknown_key_is_still_reported()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FullDiskLoggerProvider(), new FakeLoggerProvider(collector)]);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["HerokuMetrics:PostIntervall"] = "00:00:02", ["HerokuMetrics:MaxBackof"] = "00:01:00" })
            .Build();

        new UnknownKeyDetector(loggerFactory).Check(configuration.GetSection("HerokuMetrics"), configuration);

        Assert.Equal(2, collector.GetSnapshot().Count(r => r.Id.Name == "UnknownSetting"));
    }
}
