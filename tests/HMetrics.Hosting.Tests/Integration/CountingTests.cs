using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>GC counts are process-wide: these tests run alone so other tests' collections do not blur the sums.</summary>
[CollectionDefinition(nameof(GcCountingCollection), DisableParallelization = true)]
public sealed class GcCountingCollection;

/// <summary>
/// Counters are deltas since the previous sample, each delivered with its own time, so an outage shorter than the
/// window leaves no gap and no spike, and the delivered counts add up (docs/behaviour.md, "What is posted").
/// </summary>
[Collection(nameof(GcCountingCollection))]
public sealed class CountingTests
{
    [Fact]
    public async Task Across_an_outage_every_sample_arrives_with_its_own_time_and_the_gc_counts_add_up()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:InitialBackoff", "00:00:30"),
            ("HerokuMetrics:MaxBackoff", "00:00:30"),
            ("HerokuMetrics:FlushOnShutdown", "false"));

        var handedOutBefore = ProcessCounterLedger.Shared.HandedOut(ProcessCounter.Gen0Collections) + ProcessCounterLedger.Shared.HandedOut(ProcessCounter.Gen1Collections) + ProcessCounterLedger.Shared.HandedOut(ProcessCounter.Gen2Collections);
        var reports = new List<ReceivedReport> { await host.StartAndDeliverFirstReportAsync(server) };

        // 40 s: the sample fails; the retry is due 30 s later (Polly's delay, longer than the wait for the next tick).
        // 60 s: a sample is taken while the endpoint is down.
        GC.Collect();
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        host.Time.Advance(Seconds(20));
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportFailed", 1);
        await host.Time.WaitForTimerAsync(Seconds(30));
        GC.Collect();
        host.Time.Advance(Seconds(20));

        // 70 s: the endpoint is back; the backlog goes out oldest first. One failure is no outage, so no ramp-in: the
        // sample that waited, the last one waiting, goes one calm gap after the recovery, and the sample of 80 s one
        // calm gap after that (the first regular sample after a drain is paced from the last POST).
        GC.Collect();
        server.RespondWithStatus(HttpStatusCode.OK);
        host.Time.Advance(Seconds(10));
        reports.Add(await server.NextAsync());
        await host.WaitForLogAsync("Recovered");
        var calm = DrainPacer.CalmGap(Seconds(20));
        Assert.InRange(Seconds(70) + calm, Seconds(80), Seconds(100));
        await host.Time.WaitForTimerAsync(calm);
        var before = GC.CollectionCount(0);
        host.Time.Advance(Seconds(10)); // 80 s: the last sample is taken
        host.Time.Advance(calm - Seconds(10));
        reports.Add(await server.NextAsync());
        await host.WaitForLogAsync("ReportDelivered", 3);
        await host.Time.WaitForTimerAsync(calm);
        host.Time.Advance(calm);
        reports.Add(await server.NextAsync());
        var after = GC.CollectionCount(0);

        Assert.Equal([At(20), At(40), At(60), At(80)], reports.Select(r => r.Header("Measurements-Time")));

        // Each sample carries its own interval's GCs: none is empty for lack of data, none holds another's.
        Assert.True(reports[1].Counter("go.gc.collections") >= 1);
        Assert.True(reports[2].Counter("go.gc.collections") >= 1);
        Assert.True(reports[3].Counter("go.gc.collections") >= 1);

        // The baseline is what earlier reporters of the process delivered (nothing for the first): with it, the sum is
        // the process's GC count when the last sample was taken.
        Assert.InRange(reports.Sum(r => r.Counter("go.gc.collections")) + handedOutBefore, before, after);
    }
}
