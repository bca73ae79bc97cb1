using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// The retry budget as the endpoint sees it (docs/behaviour.md, "Failures"): while it is down, one request per sampling
/// interval, each retry at the next tick with the oldest sample; a retry a success paid for goes after the initial
/// backoff; a <c>Retry-After</c> is honoured without any budget.
/// </summary>
public sealed class RetryBudgetTests
{
    private static readonly TimeSpan Interval = MetricsHost.DefaultInterval;

    [Fact]
    public async Task At_the_defaults_an_endpoint_down_for_minutes_gets_one_request_per_interval_each_at_the_tick_with_the_oldest_sample()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        _ = await host.StartAndDeliverFirstReportAsync(server);

        // From 40 s the endpoint fails every request, each after holding it a while (fake time), so every failure comes
        // at its own moment within its interval. Held at most 5 s: the retry's pacing gap after the failure (at most
        // an urgent one, 15 s with jitter) then never outlasts the wait for the tick.
        var release = new SemaphoreSlim(0);
        server.RespondWith(async (ctx, _) =>
        {
            await release.WaitAsync(ctx.RequestAborted);
            ctx.Response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
        });
        var draws = new Random(40);
        var holds = Enumerable.Range(0, 8).Select(_ => TimeSpan.FromMilliseconds(draws.Next(1, 5001))).ToArray();

        var tick = Seconds(40);
        host.Time.AdvanceTo(tick, Interval);
        for (var attempt = 1; attempt <= holds.Length; attempt++)
        {
            // One request at the tick, the oldest sample, with the samples taken since waiting behind it.
            var request = await server.NextAsync();
            Assert.Equal(tick, host.Time.Elapsed);
            Assert.Equal(At(40), request.Header("Measurements-Time"));
            Assert.Equal(attempt + 1, server.RequestCount);

            var hold = holds[attempt - 1];
            host.Time.Advance(hold);
            release.Release();
            var failed = await host.WaitForLogAsync("ReportFailed", attempt);
            Assert.Equal(host.Time.Start + tick + hold, failed.Timestamp);
            Assert.Equal(attempt.ToString(CultureInfo.InvariantCulture), failed.GetStructuredStateValue("Attempt"));

            // The line names the wait for the next tick, and the retry's timer is exactly that.
            var untilTick = Interval - hold;
            Assert.Equal(untilTick.ToString(), failed.GetStructuredStateValue("Delay"));
            Assert.Contains("next try in " + untilTick, failed.Message, StringComparison.Ordinal);
            await host.Time.WaitForTimerAsync(untilTick);

            // Nothing goes before the tick.
            host.Time.Advance(untilTick - TimeSpan.FromMilliseconds(1));
            Assert.False(server.TryTakePending(out _));
            tick += Interval;
            if (attempt == holds.Length)
            {
                server.RespondWithStatus(HttpStatusCode.OK);
            }

            host.Time.AdvanceTo(tick, Interval);
        }

        // The endpoint is back at the tick after the last failure: the recovery is the sample of 40 s, one interval after
        // the last failed request, as every request of the outage was.
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        Assert.Equal(tick, host.Time.Elapsed);
        _ = await host.WaitForLogAsync("Recovered");
        Assert.Equal(holds.Length + 2, server.RequestCount);
    }

    [Fact]
    public async Task After_a_success_since_the_newest_sample_a_failure_is_retried_after_the_initial_backoff_not_at_the_tick()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"));
        _ = await host.StartAndDeliverFirstReportAsync(server);

        // 40 s: one failure, the first request after its tick, which no success paid for: retried at the tick of 60 s
        // with the sample of 60 s behind it.
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        host.Time.AdvanceTo(Seconds(40), Interval);
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        Assert.Equal(Seconds(20).ToString(), (await host.WaitForLogAsync("ReportFailed")).GetStructuredStateValue("Delay"));
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Seconds(20));
        host.Time.AdvanceTo(Seconds(60), Interval);
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        _ = await host.WaitForLogAsync("Recovered");

        // That success came after the sample of 60 s was taken: it pays for one quick retry. The sample of 60 s goes a
        // calm gap later (17.5 s, jitter off), before the next tick, and fails.
        var calm = DrainPacer.CalmGap(Interval);
        var failedAt = Seconds(60) + calm;
        Assert.True(failedAt + Seconds(1) < Seconds(80));
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        await host.Time.WaitForTimerAsync(calm);
        host.Time.AdvanceTo(failedAt, Interval);
        Assert.Equal(At(60), (await server.NextAsync()).Header("Measurements-Time"));
        var paid = await host.WaitForLogAsync("ReportFailed", 2);
        Assert.Equal(host.Time.Start + failedAt, paid.Timestamp);
        Assert.Equal(Seconds(1).ToString(), paid.GetStructuredStateValue("Delay"));

        // Retried after InitialBackoff (1 s), not at the tick of 80 s.
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Seconds(1));
        host.Time.Advance(Seconds(1));
        Assert.Equal(At(60), (await server.NextAsync()).Header("Measurements-Time"));
        Assert.Equal(failedAt + Seconds(1), host.Time.Elapsed);
        _ = await host.WaitForLogAsync("Recovered", 2);
    }

    [Fact]
    public async Task A_retry_after_is_honoured_when_it_asks_without_any_budget()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"));
        _ = await host.StartAndDeliverFirstReportAsync(server);

        // 40 s: the first request after a tick, which no success paid for, is answered 503 with Retry-After: 4; so are
        // the next two. Each retry goes when the endpoint asked, three within one interval; the third succeeds.
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable, "4");
        host.Time.AdvanceTo(Seconds(40), Interval);
        var at = Seconds(40);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
            Assert.Equal(at, host.Time.Elapsed);
            var failed = await host.WaitForLogAsync("ReportFailed", attempt);
            Assert.Equal(Seconds(4).ToString(), failed.GetStructuredStateValue("Delay"));
            if (attempt == 3)
            {
                server.RespondWithStatus(HttpStatusCode.OK);
            }

            await host.Time.WaitForTimerAsync(Seconds(4));
            host.Time.Advance(Seconds(4));
            at += Seconds(4);
        }

        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        Assert.Equal(Seconds(52), host.Time.Elapsed);
        _ = await host.WaitForLogAsync("Recovered");
        Assert.Equal(5, server.RequestCount);
    }
}
