using System.Diagnostics;
using System.Text.Json;
using HMetrics.Hosting.Tests.Helpers;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Issue 9, observations 8 and 9: GC counts are process-wide. Under a GC storm no counter goes negative and the
/// generations add up to the total; with two hosts in one process every GC is delivered once, not once per host.
/// </summary>
[Collection(nameof(GcCountingCollection))]
public sealed class ProcessWideCountingTests
{
    private static readonly string[] Generations = ["dotnet.gc.collections.gen0", "dotnet.gc.collections.gen1", "dotnet.gc.collections.gen2"];

    [Fact]
    public void Under_a_gc_storm_no_counter_is_ever_negative_and_the_generations_add_up_to_the_total()
    {
        // A ledger of its own: a reporter left over from another test would otherwise take some of the increments.
        using var probe = new SampleProbe(new ProcessCounterLedger());
        _ = probe.Read(HerokuMetricsSchema.Both);
        using var stop = new CancellationTokenSource();
        var storm = new Thread(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                GC.Collect(i % 3 == 0 ? 1 : 0, GCCollectionMode.Forced, blocking: true);

                // Lets the sampling thread run between collections, so GCs land inside its reads rather than starve it.
                Thread.SpinWait(20 * (i % 50));
            }
        })
        { IsBackground = true };
        storm.Start();

        var negatives = new List<string>();
        var mismatches = new List<string>();
        var samples = 0;
        var clock = Stopwatch.StartNew();
        // Time-bounded for a quiet machine, count-bounded for a loaded one, where the storm can starve the sampling thread.
        while ((clock.Elapsed < TimeSpan.FromSeconds(2.5) || samples < 500) && samples < 200_000 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var json = probe.Take(HerokuMetricsSchema.Both);
            samples++;
            var counters = json.RootElement.GetProperty("counters");
            foreach (var counter in counters.EnumerateObject())
            {
                if (counter.Value.GetDouble() < 0)
                {
                    negatives.Add($"{counter.Name} = {counter.Value.GetDouble()} in sample {samples}");
                }
            }

            var total = counters.GetProperty("go.gc.collections").GetDouble();
            var sum = Generations.Sum(g => counters.GetProperty(g).GetDouble());
            if (total != sum)
            {
                mismatches.Add($"sample {samples}: total {total}, generations {sum}");
            }
        }

        stop.Cancel();
        storm.Join();
        var stormCollections = GC.CollectionCount(0);
        Assert.True(samples > 100, $"only {samples} samples");
        Assert.True(negatives.Count == 0, $"{negatives.Count} negative counts in {samples} samples, e.g. {string.Join("; ", negatives.Take(5))}");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} samples whose generations do not add up, e.g. {string.Join("; ", mismatches.Take(5))}");
    }

    [Fact]
    public async Task Two_hosts_in_one_process_deliver_each_gc_once_between_them()
    {
        await using var serverA = await HerokuLikeServer.StartAsync();
        await using var serverB = await HerokuLikeServer.StartAsync();
        await using var hostA = MetricsHost.Create(serverA);
        await using var hostB = MetricsHost.Create(serverB);
        var handedOutBefore = HandedOutCollections();

        await hostA.StartAndSendFirstReportAsync();
        await hostB.StartAndSendFirstReportAsync();
        _ = await serverA.NextAsync();
        _ = await serverB.NextAsync();
        await hostA.WaitForLogAsync("ReportDelivered");
        await hostB.WaitForLogAsync("ReportDelivered");
        for (var round = 2; round <= 4; round++)
        {
            GC.Collect();
            _ = await hostA.AdvanceToNextReportAsync(serverA, round);
            GC.Collect();
            _ = await hostB.AdvanceToNextReportAsync(serverB, round);
        }

        GC.Collect();
        var beforeFlushes = GC.CollectionCount(0);
        await hostA.Host.StopAsync();
        await hostB.Host.StopAsync();
        var afterFlushes = GC.CollectionCount(0);
        await hostA.WaitForLogAsync("Flushed");
        await hostB.WaitForLogAsync("Flushed");

        var delivered = serverA.Requests.Concat(serverB.Requests).Sum(r => r.Counter("go.gc.collections"));

        // Each host used to post every GC of the process: together twice the process's count.
        Assert.True(delivered <= afterFlushes, $"the two endpoints received {delivered} GCs; the process has had {afterFlushes}");
        Assert.InRange(delivered + handedOutBefore, beforeFlushes, afterFlushes);
        Assert.All(serverA.Requests.Concat(serverB.Requests), r => Assert.True(r.Counter("go.gc.collections") >= 0));
    }

    [Fact]
    public async Task Schema_reloads_never_move_old_collections_into_a_later_sample()
    {
        // Issue 18: the ledger handed out increments per name as read, so the first sample of a schema posting names not
        // read before carried every collection since the process started, and Both samples' generations stopped adding up.
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        var handedOutBefore = HandedOutCollections();
        _ = await host.StartAndDeliverFirstReportAsync(server);

        var delivered = 1;
        foreach (var schema in new[] { "DotNet", "Both", "Go", "Both", "DotNet", "Go" })
        {
            host.Reload(("HerokuMetrics:Schema", schema));
            const int Forced = 2;
            var before = GC.CollectionCount(0);
            for (var i = 0; i < Forced; i++)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            }

            var report = await host.AdvanceToNextReportAsync(server, ++delivered);
            var collections = Collections(report);
            var happened = GC.CollectionCount(0) - before;

            // Only this interval's collections (those forced here, and any the test host ran meanwhile).
            Assert.True(collections >= Forced && collections <= happened + 2, $"{schema}: {collections} collections posted, {happened} happened in the interval");
            if (report.Json().RootElement.GetProperty("counters").TryGetProperty("go.gc.collections", out var total)
                && schema == "Both")
            {
                Assert.Equal(total.GetDouble(), Generations.Sum(report.Counter));
            }
        }

        var beforeFlush = GC.CollectionCount(0);
        await host.Host.StopAsync();
        var afterFlush = GC.CollectionCount(0);
        await host.WaitForLogAsync("Flushed");

        // Nothing delivered twice and nothing lost: every collection of the process since the ledger's last hand-out.
        Assert.InRange(server.Requests.Sum(Collections) + handedOutBefore, beforeFlush, afterFlush);
    }

    [Fact]
    public async Task Two_hosts_of_different_schemas_sharing_one_endpoint_deliver_each_gc_once_and_both_samples_add_up()
    {
        // Issue 18, "Wrong counts": with two hosts of different schemas in one process, the ledger handed out increments
        // per name, so the host posting a name the other did not read received every collection since the process began.
        await using var server = await HerokuLikeServer.StartAsync();
        await using var go = MetricsHost.Create(server, ("HerokuMetrics:Schema", "Go"));
        await using var dotNet = MetricsHost.Create(server, ("HerokuMetrics:Schema", "DotNet"));
        var handedOutBefore = HandedOutCollections();
        var reports = new List<ReceivedReport>
        {
            await go.StartAndDeliverFirstReportAsync(server),
            await dotNet.StartAndDeliverFirstReportAsync(server),
        };
        var happened = new List<int> { 0, 0 };

        for (var round = 2; round <= 5; round++)
        {
            if (round == 4)
            {
                go.Reload(("HerokuMetrics:Schema", "Both"));
                dotNet.Reload(("HerokuMetrics:Schema", "Both"));
            }

            foreach (var host in new[] { go, dotNet })
            {
                var before = GC.CollectionCount(0);
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                var report = await host.AdvanceToNextReportAsync(server, round);
                happened.Add(GC.CollectionCount(0) - before);
                reports.Add(report);
            }
        }

        var beforeFlushes = GC.CollectionCount(0);
        await go.Host.StopAsync();
        await dotNet.Host.StopAsync();
        var afterFlushes = GC.CollectionCount(0);
        await go.WaitForLogAsync("Flushed");
        await dotNet.WaitForLogAsync("Flushed");

        // Each sample holds the collection forced just before it; none carries the other host's or the process's past.
        for (var i = 2; i < reports.Count; i++)
        {
            Assert.InRange(Collections(reports[i]), 1, happened[i] + 2);
        }

        var both = server.Requests.Where(r => r.Json().RootElement.GetProperty("counters").TryGetProperty("dotnet.gc.collections.gen0", out _)
            && r.Json().RootElement.GetProperty("counters").TryGetProperty("go.gc.collections", out _)).ToList();
        Assert.True(both.Count >= 4, $"{both.Count} samples of the Both schema");
        Assert.All(both, r => Assert.Equal(r.Counter("go.gc.collections"), Generations.Sum(r.Counter)));
        Assert.InRange(server.Requests.Sum(Collections) + handedOutBefore, beforeFlushes, afterFlushes);
    }

    private static double Collections(ReceivedReport report) =>
        report.Json().RootElement.GetProperty("counters").TryGetProperty("go.gc.collections", out var total)
            ? total.GetDouble()
            : Generations.Sum(report.Counter);

    private static double HandedOutCollections() =>
        ProcessCounterLedger.Shared.HandedOut(ProcessCounter.Gen0Collections)
        + ProcessCounterLedger.Shared.HandedOut(ProcessCounter.Gen1Collections)
        + ProcessCounterLedger.Shared.HandedOut(ProcessCounter.Gen2Collections);
}
