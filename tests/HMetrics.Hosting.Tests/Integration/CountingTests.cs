using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>GC counts are process-wide: these tests run alone so other tests' collections do not blur the sums.</summary>
[CollectionDefinition(nameof(GcCountingCollection), DisableParallelization = true)]
public sealed class GcCountingCollection;

/// <summary>Counters are deltas since the last acknowledged report, so failures lose nothing (SPEC §6.2).</summary>
[Collection(nameof(GcCountingCollection))]
public sealed class CountingTests
{
    [Fact]
    public async Task Across_failures_the_delivered_gc_counts_add_up_to_every_gc_of_the_process()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(new Dictionary<string, string?>
        {
            ["HEROKU_METRICS_URL"] = server.Url(),
            ["HerokuMetrics:BackoffJitter"] = "00:00:00",
            ["HerokuMetrics:FlushOnShutdown"] = "false",
        });

        var handedOutBefore = ProcessCounterLedger.Shared.HandedOut("go.gc.collections");
        var delivered = (await host.StartAndDeliverFirstReportAsync(server)).Counter("go.gc.collections");
        var afterFirst = GC.CollectionCount(0);

        // Three failed reports in a row, a forced GC before each: all of them carry counts that must not be lost.
        GC.Collect();
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        host.Time.Advance(Seconds(20));
        await host.WaitForLogAsync("ReportFailed", 1);

        GC.Collect();
        server.RespondByDroppingTheConnection();
        await host.Time.WaitForTimerAsync(Seconds(1));
        host.Time.Advance(Seconds(1));
        await host.WaitForLogAsync("ReportFailed", 2);

        GC.Collect();
        server.DropPending();
        server.RespondByHanging();
        await host.Time.WaitForTimerAsync(Seconds(2));
        host.Time.Advance(Seconds(2));
        _ = await server.NextAsync();
        host.Time.Advance(Seconds(10));
        await host.WaitForLogAsync("ReportFailed", 3);

        GC.Collect();
        server.DropPending();
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Seconds(4));
        host.Time.Advance(Seconds(4));
        var recovery = (await server.NextAsync()).Counter("go.gc.collections");
        delivered += recovery;
        await host.WaitForLogAsync("Recovered");

        // The recovery report alone carries the four forced GCs of the outage.
        Assert.True(recovery >= 4, $"the recovery report carried {recovery} GCs, fewer than the 4 forced during the outage");

        GC.Collect();
        var before = GC.CollectionCount(0);
        await host.Time.WaitForTimerAsync(Seconds(20));
        host.Time.Advance(Seconds(20));
        delivered += (await server.NextAsync()).Counter("go.gc.collections");
        var after = GC.CollectionCount(0);
        await host.WaitForLogAsync("ReportDelivered", 3);

        // The baseline is what earlier reporters of the process delivered (nothing for the first): with it, the sum of
        // what was delivered is the process's GC count when the last report was taken.
        Assert.InRange(delivered + handedOutBefore, before, after);
        Assert.True(before >= afterFirst + 5);
    }
}
