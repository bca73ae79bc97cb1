using HMetrics.Hosting.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>The same one line works in an ASP.NET Core app (docs/behaviour.md, "Activation").</summary>
public sealed class AspNetCoreHostTests
{
    [Fact]
    public async Task A_web_application_with_AddHerokuMetrics_delivers_reports_to_the_endpoint()
    {
        await using var sink = await HerokuLikeServer.StartAsync();
        var time = new TestTimeProvider();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        using var logged = new SemaphoreSlim(0);
        builder.Services.AddFakeLogging(o => o.OutputSink = _ => logged.Release());
        builder.Configuration.AddInMemoryCollection(MetricsHost.Settings(sink));
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddHerokuMetrics(o => o.UserAgent = "web-app/1.0");

        // The first sample exactly one interval after the start, as MetricsHost fixes it; the random phase the library
        // draws has tests of its own (StartPhaseTests).
        builder.Services.AddSingleton(new StartPhase(static () => 0));

        await using var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();
        try
        {
            await time.WaitForTimerAsync(Seconds(20));
            time.Advance(Seconds(20));
            var report = await sink.NextAsync();

            Assert.Equal("web-app/1.0", report.Header("User-Agent"));
            Assert.Equal(At(20), report.Header("Measurements-Time"));
            Assert.True(report.Json().RootElement.GetProperty("counters").TryGetProperty("go.gc.collections", out _));

            var started = app.Services.GetFakeLogCollector().GetSnapshot()
                .Single(r => r.Category == "HMetrics.Hosting" && r.Id.Name == "Started");
            Assert.Contains("/metrics/redacted ", started.Message, StringComparison.Ordinal);

            // Stopped only once the client has the answer: a report cancelled in flight is sent again by the flush.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!app.Services.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Name == "ReportDelivered") && DateTime.UtcNow < deadline)
            {
                _ = await logged.WaitAsync(TimeSpan.FromMilliseconds(200));
            }
        }
        finally
        {
            await app.StopAsync();
        }

        // The flush on stop reached the sink too.
        Assert.Equal(2, sink.RequestCount);
    }
}
