using System.Diagnostics;
using System.Net;
using System.Text;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace HMetrics.Hosting.Tests.Integration.Composition;

/// <summary>
/// Issue 25, "tests with the real packages": the library in an app with Aspire-style defaults (standard resilience
/// handler, service discovery), the OpenTelemetry SDK, extended HTTP logging, JSON console logging with scopes and an
/// APM-style handler filter, against the loopback endpoint through an outage and its recovery. The endpoint sees
/// exactly what it sees from the library alone, and no secret of the URL reaches anything the app captures.
/// </summary>
[Collection(nameof(TracingCollection))]
public sealed class ComposedAppTests
{
    private const string Dyno = "a9b8c7d6-e5f4-4a3b-9c2d-1e0f2a3b4c5d";
    private const string Password = "pa55-w0rd-9f8e7d";
    private const string ControlDyno = "d4c3b2a1-0f9e-4d8c-b7a6-5e4d3c2b1a0f";

    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Through_an_outage_the_endpoint_sees_what_the_library_alone_sends_and_nothing_captured_holds_a_secret(bool composed)
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddHttpClientInstrumentation().AddInMemoryExporter(spans).Build();
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var dependency = await HerokuLikeServer.StartAsync();
        var url = endpoint.Url("/metrics/" + Dyno).Replace("http://", "http://dyno:" + Password + "@", StringComparison.Ordinal);
        var app = new ModernApp();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(url, ("HerokuMetrics:FlushOnShutdown", "false"), ("HerokuMetrics:BackoffJitter", "00:00:00")),
            services =>
            {
                if (composed)
                {
                    app.AddAspireDefaults(services);
                    app.AddObservers(services);
                }

                ModernApp.AddDependencyClient(services);
            });
        var seen = new List<(TimeSpan At, string? MeasuredAt)>();
        async Task NextAsync() => seen.Add((host.Time.GetUtcNow() - new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), (await endpoint.NextAsync()).Header("Measurements-Time")));

        await host.StartAndSendFirstReportAsync();
        await NextAsync();
        _ = await host.WaitForLogAsync("ReportDelivered");

        // The app's own call to its dependency, with a path as secret as the dyno's: what every capture must show.
        using (var client = host.Host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(ModernApp.Dependency))
        {
            using var response = await client.GetAsync(new Uri(dependency.Url("/orders/" + ControlDyno)));
        }

        // A Retry-After within MaxBackoff (20 s by default) is honoured as sent and wins over the retry budget: the retry
        // goes at 55 s, before the next tick; nothing waits behind it, so the sample of 60 s goes on schedule.
        endpoint.RespondWithStatus(HttpStatusCode.ServiceUnavailable, "15");
        host.Time.Advance(Seconds(20));
        await NextAsync();
        var failed = await host.WaitForLogAsync("ReportFailed");
        await host.Time.WaitForTimerAsync(Seconds(15));
        endpoint.RespondWithStatus(HttpStatusCode.OK);
        host.Time.Advance(Seconds(15));
        await NextAsync();
        _ = await host.WaitForLogAsync("Recovered");
        host.Time.Advance(Seconds(5));
        await NextAsync();
        _ = await host.WaitForLogAsync("ReportDelivered", 3);
        await host.Host.StopAsync();
        _ = tracing.ForceFlush();

        // What the library alone sends: each sample once, the failed one again when Retry-After says.
        Assert.Contains("status 503 (ServiceUnavailable)", failed.Message, StringComparison.Ordinal);
        Assert.Equal(
            [(Seconds(20), At(20)), (Seconds(40), At(40)), (Seconds(55), At(40)), (Seconds(60), At(60))],
            seen);
        Assert.Equal(4, endpoint.RequestCount);

        // Each capture shows the app's own call (the control that lets the test fail), none a secret of the endpoint's URL.
        foreach (var (channel, captured) in Captured(host, app, spans, composed))
        {
            Assert.True(captured.Contains(ControlDyno, StringComparison.Ordinal), channel + " did not capture the app's own call");
            foreach (var secret in new[] { Dyno, Password, Convert.ToBase64String(Encoding.UTF8.GetBytes("dyno:" + Password)) })
            {
                Assert.False(captured.Contains(secret, StringComparison.OrdinalIgnoreCase), channel + " holds a secret: " + captured);
            }
        }
    }

    private static string At(double seconds) =>
        new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddSeconds(seconds).UtcDateTime
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    // Every log record (message, structured state, scopes, exception), every exported span, and with the composition every
    // JSON console line and everything the APM-style filter recorded.
    private static Dictionary<string, string> Captured(MetricsHost host, ModernApp app, List<Activity> spans, bool composed)
    {
        var logs = new StringBuilder();
        foreach (var record in host.Logs.GetSnapshot())
        {
            _ = logs.AppendLine(record.Category + " " + record.Message + " " + record.Exception);
            foreach (var (key, value) in record.StructuredState ?? [])
            {
                _ = logs.AppendLine(key + "=" + value);
            }

            foreach (var scope in record.Scopes)
            {
                _ = logs.AppendLine(scope is IEnumerable<KeyValuePair<string, object?>> pairs
                    ? string.Join(' ', pairs.Select(p => p.Key + "=" + p.Value))
                    : scope?.ToString());
            }
        }

        var captured = new Dictionary<string, string>
        {
            ["log records"] = logs.ToString(),
            ["exported spans"] = string.Join('\n', spans.Select(s => s.DisplayName + " " + string.Join(' ', s.TagObjects.Select(t => t.Key + "=" + t.Value)))),
        };
        if (composed)
        {
            captured["JSON console"] = string.Join('\n', app.Console.Lines);
            captured["handler filter"] = string.Join('\n', app.Filter.Seen);
        }

        return captured;
    }
}
