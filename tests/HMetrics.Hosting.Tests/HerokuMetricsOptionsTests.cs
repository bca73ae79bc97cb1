using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests;

public sealed class HerokuMetricsOptionsTests
{
    private const string Uuid = "0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";

    private static HerokuMetricsOptions Bind(Dictionary<string, string?> settings) => BindWithOrigin(settings).Options;

    private static (HerokuMetricsOptions Options, OptionsOrigin Origin) BindWithOrigin(Dictionary<string, string?> settings)
    {
        using var host = MetricsHost.Create(settings).Host;
        var options = host.Services.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;
        return (options, host.Services.GetRequiredService<HerokuMetricsOptionsPipeline>().OriginOf(options));
    }

    private static async Task<OptionsValidationException> StartFails(Dictionary<string, string?> settings)
    {
        await using var host = MetricsHost.Create(settings);
        return await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
    }

    [Fact]
    public void Defaults_are_those_of_the_go_package()
    {
        var options = new HerokuMetricsOptions();

        Assert.Null(options.Endpoint);
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(20), options.PostInterval);
        // Unset: the post interval, as the Go agent's client timeout is its interval (issue 20).
        Assert.Null(options.HttpTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), options.InitialBackoff);
        // Not Go's 10 minutes: a dyno must notice recovery while its backlog is still within the 4-minute window. One
        // interval (issue 22): at or below it, every retry no success paid for goes at a sampling tick, so a dyno whose
        // endpoint is down sends one request per interval, as in steady state.
        Assert.Equal(TimeSpan.FromSeconds(20), options.MaxBackoff);
        Assert.Equal(TimeSpan.FromMinutes(5), options.BackoffResetAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.BackoffJitter);
        Assert.Equal("hmetrics/1.0 (app using HMetrics.Hosting package)", options.UserAgent);
        Assert.Equal(HerokuMetricsSchema.Go, options.Schema);
        Assert.True(options.FlushOnShutdown);
        Assert.Equal("HerokuMetrics", HerokuMetricsOptions.SectionName);
        Assert.Equal("HEROKU_METRICS_URL", HerokuMetricsOptions.EndpointEnvironmentVariable);
    }

    [Fact]
    public void Every_option_binds_from_the_HerokuMetrics_section()
    {
        var (options, origin) = BindWithOrigin(new()
        {
            ["HerokuMetrics:Endpoint"] = "https://example.com/m",
            ["HerokuMetrics:Enabled"] = "false",
            ["HerokuMetrics:PostInterval"] = "00:00:05",
            ["HerokuMetrics:HttpTimeout"] = "00:00:03",
            ["HerokuMetrics:InitialBackoff"] = "00:00:02",
            ["HerokuMetrics:MaxBackoff"] = "00:03:00",
            ["HerokuMetrics:BackoffResetAfter"] = "00:01:00",
            ["HerokuMetrics:BackoffJitter"] = "00:00:00.250",
            ["HerokuMetrics:UserAgent"] = "myapp/2.0",
            ["HerokuMetrics:Schema"] = "DotNet",
            ["HerokuMetrics:FlushOnShutdown"] = "false",
        });

        Assert.Equal("https://example.com/m", options.Endpoint);
        Assert.False(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PostInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), options.HttpTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.InitialBackoff);
        Assert.Equal(TimeSpan.FromMinutes(3), options.MaxBackoff);
        Assert.Equal(TimeSpan.FromMinutes(1), options.BackoffResetAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.BackoffJitter);
        Assert.Equal("myapp/2.0", options.UserAgent);
        Assert.Equal(HerokuMetricsSchema.DotNet, options.Schema);
        Assert.False(options.FlushOnShutdown);
        Assert.Equal("HerokuMetrics:Endpoint", origin.EndpointSource);
    }

    [Theory]
    [InlineData("both", HerokuMetricsSchema.Both)]
    [InlineData("DOTNET", HerokuMetricsSchema.DotNet)]
    [InlineData("Go", HerokuMetricsSchema.Go)]
    public void Schema_text_binds_in_any_case(string text, HerokuMetricsSchema expected)
    {
        Assert.Equal(expected, Bind(new() { ["HerokuMetrics:Schema"] = text }).Schema);
    }

    [Fact]
    public void Keys_outside_the_section_are_not_bound()
    {
        var options = Bind(new() { ["PostInterval"] = "00:00:01", ["Metrics:PostInterval"] = "00:00:01" });

        Assert.Equal(TimeSpan.FromSeconds(20), options.PostInterval);
    }

    [Theory]
    [InlineData("PostInterval", "00:00:00")]
    [InlineData("PostInterval", "-00:00:05")]
    [InlineData("PostInterval", "2.00:00:00")]
    [InlineData("HttpTimeout", "00:00:00")]
    [InlineData("InitialBackoff", "-00:00:01")]
    [InlineData("MaxBackoff", "00:00:00")]
    [InlineData("BackoffResetAfter", "00:00:00")]
    [InlineData("BackoffJitter", "-00:00:00.001")]
    public async Task A_host_with_a_bad_duration_fails_to_start_naming_the_option(string option, string value)
    {
        var exception = await StartFails(new() { [$"HerokuMetrics:{option}"] = value });

        Assert.Equal(typeof(HerokuMetricsOptions), exception.OptionsType);
        Assert.Contains($"HerokuMetrics:{option} must be ", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Use a time span such as", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_with_initial_backoff_above_max_backoff_fails_to_start()
    {
        var exception = await StartFails(new()
        {
            ["HerokuMetrics:InitialBackoff"] = "00:05:00",
            ["HerokuMetrics:MaxBackoff"] = "00:01:00",
        });

        Assert.Contains("lower InitialBackoff or raise MaxBackoff", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad\r\nX-Injected: yes")]
    public async Task A_host_with_a_bad_user_agent_fails_to_start(string userAgent)
    {
        var exception = await StartFails(new() { ["HerokuMetrics:UserAgent"] = userAgent });

        Assert.Contains("HerokuMetrics:UserAgent must", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_with_a_numeric_schema_outside_the_enum_fails_to_start()
    {
        var exception = await StartFails(new() { ["HerokuMetrics:Schema"] = "7" });

        Assert.Contains("HerokuMetrics:Schema must be Go, DotNet or Both.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HerokuMetrics:Schema", "Python", "Schema as Go, DotNet or Both")]
    [InlineData("HerokuMetrics:PostInterval", "twenty seconds", "durations as a time span such as \"00:00:20\"")]
    [InlineData("HerokuMetrics:FlushOnShutdown", "sometimes", "FlushOnShutdown as true or false")]
    public async Task A_host_with_text_that_cannot_be_converted_fails_validation_saying_what_to_write(string key, string value, string advice)
    {
        var exception = await StartFails(new() { [key] = value });

        Assert.Contains($"'{value}' at '{key}'", exception.Message, StringComparison.Ordinal);
        Assert.Contains(advice, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HerokuMetrics:Endpoint", "ftp://dyno:hunter2@example.com/metrics/" + Uuid + "?token=t0k3n", "must use the http or https scheme", "ftp://redacted@example.com/metrics/redacted")]
    [InlineData("HEROKU_METRICS_URL", "metrics/" + Uuid + "?api_key=t0k3n", "must be an absolute URL such as https://host/path", "redacted")]
    [InlineData("HEROKU_METRICS_URL", "http:///" + Uuid + "?sig=t0k3n", "must be an absolute URL such as https://host/path", "http://redacted")]
    public async Task A_host_with_an_unusable_endpoint_fails_to_start_showing_only_the_redacted_value(string key, string value, string rule, string redacted)
    {
        var exception = await StartFails(new() { [key] = value });

        Assert.Contains($"{key} {rule}; got '{redacted}'.", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", exception.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Uuid, exception.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("t0k3n", exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_host_starts_despite_a_bad_endpoint()
    {
        await using var host = MetricsHost.Create("ftp://example.com/x", ("HerokuMetrics:Enabled", "false"));

        await host.StartAsync();

        _ = await host.WaitForLogAsync("Disabled");
    }

    [Theory]
    [InlineData("HerokuMetrics:PostInterval", "twenty seconds")]
    [InlineData("HerokuMetrics:Schema", "Python")]
    [InlineData("HerokuMetrics:Enabled", "yes please")]
    public async Task A_reload_with_text_that_cannot_be_converted_is_ignored_and_does_not_throw(string key, string value)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        // The first delivered report proves the reporter runs with the valid start-up values.
        _ = await host.StartAndDeliverFirstReportAsync(server);

        var configuration = (IConfigurationRoot)host.Host.Services.GetRequiredService<IConfiguration>();
        configuration[key] = value;

        // Before the binding error was recorded, the binder's InvalidOperationException escaped from here: on a file
        // watcher's thread that is a crashed app.
        var reload = Record.Exception(configuration.Reload);

        Assert.Null(reload);
        host.Time.Advance(TimeSpan.FromSeconds(20));
        var ignored = await host.WaitForLogAsync("InvalidOptionsIgnored");
        Assert.Contains($"'{value}' at '{key}'", ignored.Message, StringComparison.Ordinal);
        Assert.Contains("Schema as Go, DotNet or Both", ignored.Message, StringComparison.Ordinal);
        _ = await server.NextAsync();
        _ = await host.WaitForLogAsync("ReportDelivered", 2);
    }
}
