using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Every stop path accounts for what it could not deliver (docs/behaviour.md, "Shutdown"; issue 25, case 6): the status
/// and the instrument count it as dropped, one <c>FlushFailed</c> names the true reason, <c>SamplesDropped</c> says how many.
/// </summary>
[Collection(nameof(GcCountingCollection))]
public sealed class ShutdownAccountingTests
{
    private static readonly TimeSpan _safety = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_flush_that_times_out_against_a_hung_endpoint_counts_and_logs_both_lost_samples()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        await WaitingSampleAsync(server, host);

        server.RespondByHanging();
        var stop = host.Host.StopAsync();
        _ = await server.NextAsync();
        host.Time.Advance(Seconds(10));
        await stop.WaitAsync(_safety);

        AssertAccounted(host, dropped: 2, "no response within 00:00:10");
        server.RespondWithStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_flush_cut_short_by_the_hosts_shutdown_timeout_counts_and_logs_both_lost_samples()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(server),
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(300)));
        await WaitingSampleAsync(server, host);

        // Fake time stands still, so only the host's (real) shutdown timeout can end the flush.
        server.RespondByHanging();
        await host.Host.StopAsync().WaitAsync(_safety);

        AssertAccounted(host, dropped: 2, "the host's shutdown timeout elapsed");
        server.RespondWithStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_stop_token_already_cancelled_sends_nothing_and_says_so_not_that_a_timeout_elapsed()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        await WaitingSampleAsync(server, host);

        // A healthy endpoint: nothing but the token stands between the waiting sample and its delivery.
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Host.StopAsync(new CancellationToken(canceled: true)).WaitAsync(_safety);

        var failed = AssertAccounted(host, dropped: 1, "no time to stop (its stop token was already cancelled)");
        Assert.DoesNotContain("timeout", failed, StringComparison.Ordinal);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Stopping_without_FlushOnShutdown_counts_and_logs_the_waiting_sample()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:FlushOnShutdown", "false"));
        await WaitingSampleAsync(server, host);

        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Host.StopAsync().WaitAsync(_safety);

        AssertAccounted(host, dropped: 1, "HerokuMetrics:FlushOnShutdown is false");
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task A_flush_that_delivers_everything_drops_nothing_and_logs_no_failure()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        await WaitingSampleAsync(server, host);

        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Host.StopAsync().WaitAsync(_safety);

        var status = host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current;
        Assert.Equal(0, status.DroppedSamples);
        Assert.Equal(0, status.Backlog);
        Assert.Empty(host.Records("FlushFailed"));
        Assert.Empty(host.Records("SamplesDropped"));
        Assert.Contains("2", Assert.Single(host.Records("Flushed")).Message, StringComparison.Ordinal);
        Assert.Equal(3, server.RequestCount);
    }

    // The first report fails at 20 s; its retry waits for the next tick (no budget yet), so at 27 s one sample waits.
    private static async Task WaitingSampleAsync(HerokuLikeServer server, MetricsHost host)
    {
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        await host.StartAndSendFirstReportAsync();
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportFailed");
        host.Time.Advance(Seconds(7));
        Assert.Equal(1, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.Backlog);
    }

    private static string AssertAccounted(MetricsHost host, int dropped, string reason)
    {
        var status = host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current;
        Assert.Equal(HerokuMetricsState.Stopped, status.State);
        Assert.Equal(0, status.Backlog);
        Assert.Equal(dropped, status.DroppedSamples);

        var failed = Assert.Single(host.Records("FlushFailed")).Message;
        Assert.Contains(reason, failed, StringComparison.Ordinal);
        var logged = host.Records("SamplesDropped")
            .Sum(r => int.Parse(r.GetStructuredStateValue("Count")!, CultureInfo.InvariantCulture));
        Assert.Equal(dropped, logged);
        Assert.Empty(host.Records("UnexpectedError"));
        return failed;
    }
}
