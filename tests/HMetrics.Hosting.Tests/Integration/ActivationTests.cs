using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>When the service starts, stays idle or stops the host (docs/behaviour.md, "Activation").</summary>
public sealed class ActivationTests
{
    private const string Uuid = "6f1c2d3e-8a7b-4c5d-9e0f-a1b2c3d4e5f6";

    [Fact]
    public async Task Without_an_endpoint_it_logs_one_line_naming_the_variable_and_sends_nothing_and_starts_no_timer()
    {
        var sent = new SendCounter();
        await using var host = MetricsHost.Create(
            new Dictionary<string, string?>(),
            services => services.AddHerokuMetrics().AddHttpMessageHandler(() => new CountingHandler(sent)));

        var line = await StartAndWaitUntilIdleAsync(host, "EndpointNotFound");

        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal("HEROKU_METRICS_URL", line.GetStructuredStateValue("Variable"));
        Assert.Contains("HEROKU_METRICS_URL was not found", line.Message, StringComparison.Ordinal);
        AssertIdle(host, sent, "EndpointNotFound");
    }

    [Theory]
    [InlineData("HEROKU_METRICS_URL", "", "HEROKU_METRICS_URL")]
    [InlineData("HEROKU_METRICS_URL", "   ", "HEROKU_METRICS_URL")]
    [InlineData("HerokuMetrics:Endpoint", "", "HerokuMetrics:Endpoint")]
    [InlineData("HerokuMetrics:Endpoint", " \t ", "HerokuMetrics:Endpoint")]
    public async Task An_empty_endpoint_logs_one_line_saying_so_and_stays_idle(string key, string value, string named)
    {
        var sent = new SendCounter();
        await using var host = MetricsHost.Create(
            new Dictionary<string, string?> { [key] = value },
            services => services.AddHerokuMetrics().AddHttpMessageHandler(() => new CountingHandler(sent)));

        var line = await StartAndWaitUntilIdleAsync(host, "EndpointEmpty");

        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(named, line.GetStructuredStateValue("Variable"));
        Assert.Contains("is empty", line.Message, StringComparison.Ordinal);
        AssertIdle(host, sent, "EndpointEmpty");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/metrics")]
    [InlineData("ftp://leftover.example/metrics")]
    public async Task Enabled_false_logs_one_line_and_stays_idle_even_with_an_endpoint(string endpoint)
    {
        var sent = new SendCounter();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(endpoint, ("HerokuMetrics:Enabled", "false")),
            services => services.AddHerokuMetrics().AddHttpMessageHandler(() => new CountingHandler(sent)));

        var line = await StartAndWaitUntilIdleAsync(host, "Disabled");

        Assert.Equal(LogLevel.Information, line.Level);
        AssertIdle(host, sent, "Disabled");
    }

    [Theory]
    [InlineData($"metrics/{Uuid}?token=tok-9d8c7b", "must be an absolute URL", "'redacted'")]
    [InlineData($"ftp://agent:pw-5e4d3c@metrics.example/{Uuid}?token=tok-9d8c7b", "must use the http or https scheme", "'ftp://redacted@metrics.example/redacted'")]
    [InlineData($"http:///{Uuid}?token=tok-9d8c7b", "HEROKU_METRICS_URL", "'http://redacted'")]
    public async Task An_unusable_endpoint_stops_the_host_at_start_with_the_redacted_value_only(string endpoint, string rule, string quoted)
    {
        await using var host = MetricsHost.Create(endpoint);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);

        Assert.Contains("HEROKU_METRICS_URL", error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
        Assert.Contains(quoted, error.Message, StringComparison.Ordinal);
        foreach (var secret in new[] { Uuid, "tok-9d8c7b", "pw-5e4d3c" })
        {
            Assert.DoesNotContain(secret, error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, error.ToString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Empty(host.Records("Started"));
    }

    // The hour of fake time would let any timer the idle service wrongly started fire, and any report go out.
    private static async Task<FakeLogRecord> StartAndWaitUntilIdleAsync(MetricsHost host, string eventName)
    {
        await host.StartAsync();
        var line = await host.WaitForLogAsync(eventName);
        await host.Service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(20));
        host.Time.Advance(TimeSpan.FromHours(1));
        return line;
    }

    private static void AssertIdle(MetricsHost host, SendCounter sent, string eventName)
    {
        Assert.Single(host.Records(eventName));
        Assert.Empty(host.Records("Started"));
        Assert.Equal(0, sent.Count);
        Assert.Equal(0, host.Time.TimersCreated);
        Assert.Empty(host.LibraryRecords(LogLevel.Warning));
        Assert.Empty(host.LibraryRecords(LogLevel.Error));
        Assert.True(host.Service.ExecuteTask!.IsCompletedSuccessfully);
    }

    private sealed class SendCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    private sealed class CountingHandler(SendCounter sent) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            sent.Add();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
