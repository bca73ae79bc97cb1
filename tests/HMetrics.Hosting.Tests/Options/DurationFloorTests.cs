using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>
/// Issue 9, observation 6: durations too small to work were accepted. Each documented floor is rejected at start and on
/// reload with the usual message, and the values tests and benchmarks rely on stay valid.
/// </summary>
public sealed class DurationFloorTests
{
    private const string Url = "http://127.0.0.1:9/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";

    private static ValidateOptionsResult Validate(HerokuMetricsOptions options) =>
        HerokuMetricsOptionsValidator.Validate(options, new OptionsOrigin());

    public static TheoryData<string, TimeSpan> BelowTheFloor() => new()
    {
        { "PostInterval", TimeSpan.FromTicks(1) },
        { "PostInterval", TimeSpan.FromTicks(9_999) },
        { "PostInterval", TimeSpan.FromMilliseconds(9.9999) },
        { "HttpTimeout", TimeSpan.FromTicks(1) },
        { "HttpTimeout", TimeSpan.FromMilliseconds(0.9) },
        { "InitialBackoff", TimeSpan.FromTicks(1) },
        { "InitialBackoff", TimeSpan.FromMilliseconds(9) },
        { "MaxBackoff", TimeSpan.FromMilliseconds(9) },
        { "BackoffResetAfter", TimeSpan.FromTicks(1) },
        { "BackoffJitter", TimeSpan.FromTicks(1) },
        { "BackoffJitter", TimeSpan.FromMilliseconds(0.5) },
    };

    [Theory]
    [MemberData(nameof(BelowTheFloor))]
    public void A_duration_below_its_floor_is_rejected_naming_the_floor(string option, TimeSpan value)
    {
        var options = new HerokuMetricsOptions();
        typeof(HerokuMetricsOptions).GetProperty(option)!.SetValue(options, value);
        if (option == "MaxBackoff")
        {
            options.InitialBackoff = value;
        }

        var failure = Assert.Single(Validate(options).Failures!, f => f.StartsWith($"HerokuMetrics:{option} must be ", StringComparison.Ordinal));

        Assert.Contains("at least ", failure, StringComparison.Ordinal);
        Assert.Contains(" ms (", failure, StringComparison.Ordinal);
        Assert.Contains($"got {value}", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_floors_themselves_and_the_short_values_tests_and_benchmarks_use_are_valid()
    {
        Assert.True(Validate(new HerokuMetricsOptions
        {
            PostInterval = TimeSpan.FromMilliseconds(10),
            HttpTimeout = TimeSpan.FromMilliseconds(1),
            InitialBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(10),
            BackoffResetAfter = TimeSpan.FromMilliseconds(1),
            BackoffJitter = TimeSpan.FromMilliseconds(1),
        }).Succeeded);
        Assert.True(Validate(new HerokuMetricsOptions
        {
            PostInterval = TimeSpan.FromMilliseconds(50),
            InitialBackoff = TimeSpan.FromSeconds(0.2),
            MaxBackoff = TimeSpan.FromSeconds(1),
        }).Succeeded);
    }

    [Theory]
    [InlineData(10d, 1d)]
    [InlineData(10d, 86_400_000d)]
    [InlineData(11d, 1d)]
    [InlineData(50d, 86_400_000d)]
    [InlineData(10d, null)]
    public void The_timeouts_in_force_of_valid_options_are_never_below_1_ms(double postIntervalMs, double? httpTimeoutMs)
    {
        var options = new HerokuMetricsOptions
        {
            Endpoint = Url,
            PostInterval = TimeSpan.FromMilliseconds(postIntervalMs),
            HttpTimeout = httpTimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
        };

        Assert.True(Validate(options).Succeeded);
        Assert.True(ReporterSettings.TryCreate(options, null, out var settings));
        Assert.True(settings!.HttpTimeout >= TimeSpan.FromMilliseconds(1), $"timeout {settings.HttpTimeout}");
        Assert.True(settings.FlushTimeout >= TimeSpan.FromMilliseconds(1), $"flush timeout {settings.FlushTimeout}");
    }

    [Fact]
    public void Every_valid_backoff_keeps_a_dead_endpoint_under_100_attempts_a_second_even_with_a_retry_after_a_tick_away()
    {
        var options = new HerokuMetricsOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(10),
            BackoffJitter = TimeSpan.Zero,
        };
        options.Endpoint = Url;
        Assert.True(Validate(options).Succeeded);
        Assert.True(ReporterSettings.TryCreate(options, null, out var settings));
        var retryOptions = DeliveryRetry.Create(settings!, static () => null, _ => default);

        // Polly's exponential delay starts at InitialBackoff; a Retry-After a tick away is raised to it.
        Assert.Equal(TimeSpan.FromMilliseconds(10), retryOptions.Delay);
        var nearRetryAfter = new ReportFailedException("status 503", "http_5xx", System.Net.HttpStatusCode.ServiceUnavailable, TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromMilliseconds(10), DeliveryRetry.RetryAfter(nearRetryAfter, settings!.InitialBackoff, settings.MaxBackoff));
    }

    [Theory]
    [InlineData("HerokuMetrics:PostInterval", "00:00:00.0000001")]
    [InlineData("HerokuMetrics:PostInterval", "00:00:00.0009")]
    [InlineData("HerokuMetrics:HttpTimeout", "00:00:00.0009")]
    [InlineData("HerokuMetrics:InitialBackoff", "00:00:00.0000001")]
    public async Task The_host_refuses_to_start_with_the_usual_validation_message_not_a_timer_exception(string key, string value)
    {
        var settings = MetricsHost.Settings(Url, (key, value));
        if (key.EndsWith("InitialBackoff", StringComparison.Ordinal))
        {
            settings["HerokuMetrics:MaxBackoff"] = value;
        }

        await using var host = MetricsHost.Create(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Contains($"{key} must be at least", error.Message, StringComparison.Ordinal);
        Assert.Empty(host.Records("UnexpectedError"));
    }

    [Fact]
    public async Task A_reload_to_a_one_tick_interval_is_ignored_with_the_usual_message_and_reporting_goes_on()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        _ = await host.StartAndDeliverFirstReportAsync(server);

        host.Configuration["HerokuMetrics:PostInterval"] = "00:00:00.0000001";
        host.Configuration.Reload();
        _ = await host.AdvanceToNextReportAsync(server, 2);
        _ = await host.AdvanceToNextReportAsync(server, 3);

        var ignored = Assert.Single(host.Records("InvalidOptionsIgnored"));
        Assert.Contains("HerokuMetrics:PostInterval must be at least 10 ms", ignored.Message, StringComparison.Ordinal);
        Assert.Empty(host.Records("UnexpectedError"));
    }
}
