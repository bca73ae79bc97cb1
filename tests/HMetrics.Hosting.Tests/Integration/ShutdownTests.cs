using System.Diagnostics;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>Stopping the host (docs/behaviour.md, "Shutdown"): waits end at once, the last report is flushed, and stop is bounded.</summary>
[Collection(nameof(GcCountingCollection))]
public sealed class ShutdownTests
{
    private static readonly TimeSpan _safety = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_flush_delivers_the_counts_since_the_last_report_stamped_with_the_stop_time()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        _ = await host.StartAndDeliverFirstReportAsync(server);

        GC.Collect();
        GC.Collect();
        GC.Collect();
        host.Time.Advance(Seconds(7));
        await host.Host.StopAsync().WaitAsync(_safety);

        var flushed = await server.NextAsync();
        Assert.Equal(At(27), flushed.Header("Measurements-Time"));
        Assert.True(flushed.Counter("go.gc.collections") >= 3, $"the flush carried {flushed.Counter("go.gc.collections")} GCs, fewer than the 3 forced");
        Assert.Single(host.Records("Flushed"));
        Assert.Equal(2, server.RequestCount);
        await host.Host.StopAsync().WaitAsync(_safety);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task Without_FlushOnShutdown_stopping_sends_nothing()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:FlushOnShutdown", "false"));

        _ = await host.StartAndDeliverFirstReportAsync(server);

        host.Time.Advance(Seconds(7));
        await host.Host.StopAsync().WaitAsync(_safety);

        Assert.Equal(1, server.RequestCount);
        Assert.Empty(host.Records("Flushed"));
        Assert.Empty(host.Records("FlushFailed"));
    }

    [Fact]
    public async Task Stopping_against_a_hung_endpoint_ends_when_the_flush_times_out()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        server.RespondByHanging();
        await host.StartAndSendFirstReportAsync();
        _ = await server.NextAsync();

        // Stop cancels the hung report at once; the flush then hangs too, until its own 10 s timeout.
        var stop = host.Host.StopAsync();
        var flush = await server.NextAsync();
        Assert.Equal(At(20), flush.Header("Measurements-Time"));
        Assert.False(stop.IsCompleted);

        host.Time.Advance(Seconds(10));
        await stop.WaitAsync(_safety);

        var failed = Assert.Single(host.Records("FlushFailed"));
        Assert.Contains("no response within 00:00:10", failed.Message, StringComparison.Ordinal);
        Assert.True(host.Service.ExecuteTask!.IsCompleted);
        Assert.Empty(host.Records("UnexpectedError"));
        server.RespondWithStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Stopping_against_a_hung_endpoint_ends_at_the_hosts_shutdown_timeout()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(server),
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(300)));

        server.RespondByHanging();
        await host.StartAndSendFirstReportAsync();
        _ = await server.NextAsync();

        // Fake time stands still, so only the host's (real) shutdown timeout can end the flush.
        var clock = Stopwatch.StartNew();
        await host.Host.StopAsync().WaitAsync(_safety);
        clock.Stop();

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        var failed = Assert.Single(host.Records("FlushFailed"));
        Assert.Contains("shutdown timeout", failed.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.RequestCount);
        server.RespondWithStatus(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stopping_during_a_backoff_wait_returns_at_once(bool flushOnShutdown)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:InitialBackoff", "00:10:00"),
            ("HerokuMetrics:MaxBackoff", "00:10:00"),
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:FlushOnShutdown", flushOnShutdown ? "true" : "false"));
        server.RespondWithStatus(HttpStatusCode.InternalServerError);

        await host.StartAndSendFirstReportAsync();
        await host.WaitForLogAsync("ReportFailed");
        await host.Time.WaitForTimerAsync(TimeSpan.FromMinutes(10));
        server.RespondWithStatus(HttpStatusCode.OK);

        // The host would give up on the service only after its 30 s shutdown timeout; the wait must end well before.
        await host.Host.StopAsync().WaitAsync(_safety);

        Assert.True(host.Service.ExecuteTask!.IsCompleted);
        Assert.Empty(host.Records("UnexpectedError"));
        if (flushOnShutdown)
        {
            // The final sample goes out, then the one that failed, with its own time.
            Assert.Single(host.Records("Flushed"));
            Assert.Equal(3, server.RequestCount);
        }
        else
        {
            Assert.Equal(1, server.RequestCount);
        }
    }
}
