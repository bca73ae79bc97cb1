using System.Diagnostics;
using HMetrics.Hosting.Tests.Helpers;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Issue 9, observation 3: the library's own requests must not put the dyno id into an app's traces, while the app's
/// other HTTP clients are traced as before (the control that lets each test fail).
/// </summary>
[Collection(nameof(TracingCollection))]
public sealed class TracingTests
{
    private const string LibraryDyno = "5d2c8e1f-3b4a-4f6e-9a7b-1c2d3e4f5a6b";
    private const string ControlDyno = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

    [Fact]
    public async Task An_activity_listener_on_System_Net_Http_sees_no_activity_for_the_library_requests()
    {
        var seen = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (seen)
                {
                    seen.Add(Describe(activity));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await using var server = await HerokuLikeServer.StartAsync();
        await ReportOnceAndCallTheControlAsync(server);

        lock (seen)
        {
            Assert.Contains(seen, a => a.Contains(ControlDyno, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(seen, a => a.Contains(LibraryDyno, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task OpenTelemetry_http_client_instrumentation_exports_no_span_with_the_secret()
    {
        var exported = new List<Activity>();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddHttpClientInstrumentation()
            .AddInMemoryExporter(exported)
            .Build())
        {
            await using var server = await HerokuLikeServer.StartAsync();
            await ReportOnceAndCallTheControlAsync(server);
            _ = tracing.ForceFlush();
        }

        var spans = exported.Select(Describe).ToList();
        Assert.Contains(spans, s => s.Contains(ControlDyno, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(spans, s => s.Contains(LibraryDyno, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task ReportOnceAndCallTheControlAsync(HerokuLikeServer server)
    {
        await using var host = MetricsHost.Create(server.Url("/metrics/" + LibraryDyno));
        _ = await host.StartAndDeliverFirstReportAsync(server);

        // An ordinary client of the app, in the same process at the same time: its span must exist.
        using var control = new HttpClient();
        using var response = await control.PostAsync(server.Url("/metrics/" + ControlDyno), new StringContent("{}"));
        _ = await server.NextAsync();
        await host.Host.StopAsync();
    }

    private static string Describe(Activity activity) =>
        activity.DisplayName + " " + activity.OperationName + " " +
        string.Join(' ', activity.TagObjects.Select(t => $"{t.Key}={t.Value}"));
}

/// <summary>Activity listeners are process-wide: these tests run alone so other tests' clients do not blur them.</summary>
[CollectionDefinition(nameof(TracingCollection), DisableParallelization = true)]
public sealed class TracingCollection;
