using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// How a backlog goes out after an outage, as the endpoint sees it: a ramp-in gap after the recovery, then a calm drain;
/// once the endpoint fails again before the all-clear, the samples waiting behind the one being sent drain urgently and
/// the last one calmly (docs/behaviour.md, "Sampling and delivery"). Gaps count from the last POST, whatever its outcome.
/// </summary>
public sealed class PacingTests
{
    private static readonly TimeSpan Interval = MetricsHost.DefaultInterval;

    [Fact]
    public async Task A_backlog_ramps_in_drains_calmly_and_once_the_endpoint_flaps_drains_the_waiting_samples_urgently()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:InitialBackoff", "00:00:07"),
            ("HerokuMetrics:MaxBackoff", "00:00:07"),
            ("HerokuMetrics:FlushOnShutdown", "false"));
        var (rampIn, calm, urgent) = (DrainPacer.RampInGap(Interval), DrainPacer.CalmGap(Interval), DrainPacer.UrgentGap(Interval));

        // The timeline below is written for gaps in these orders (jitter off: the middle of each range).
        Assert.True(urgent < calm && calm < Interval && Interval < rampIn && rampIn < 2 * Interval);

        // Each POST as the endpoint saw it: when (fake time) and which sample.
        var posts = new List<(TimeSpan At, string? MeasuredAt)>();
        async Task PostAsync() => posts.Add((host.Time.Elapsed, (await server.NextAsync()).Header("Measurements-Time")));

        // Moves the clock to `at`, stopping at each sampling tick; `timer` is the pacing (or Polly) timer that must exist
        // first, made by the loop at `madeAt`: at once if that is now, else once the clock has reached it.
        async Task AdvanceToAsync(TimeSpan at, TimeSpan timer, TimeSpan madeAt)
        {
            if (madeAt > host.Time.Elapsed)
            {
                host.Time.AdvanceTo(madeAt, Interval);
            }

            await host.Time.WaitForTimerAsync(timer);
            host.Time.AdvanceTo(at, Interval);
        }

        await host.StartAndSendFirstReportAsync();
        await PostAsync();
        _ = await host.WaitForLogAsync("ReportDelivered");

        // 40 s: the endpoint is down. No success paid for an early retry, so each retry's timer is the wait for the next
        // tick (the cap is below the interval), with that tick's sample behind it: 60 s, 80 s. Three failed attempts make
        // an outage.
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        host.Time.AdvanceTo(Seconds(40), Interval);
        await PostAsync();
        await AdvanceToAsync(Seconds(60), Seconds(20), Seconds(40));
        await PostAsync();
        await AdvanceToAsync(Seconds(80), Seconds(20), Seconds(60));
        await PostAsync();
        _ = await host.WaitForLogAsync("ReportFailed", 3);

        // 100 s: the endpoint is back. The recovery goes at the tick; the next POST waits a ramp-in gap; the one after
        // it, with samples still waiting behind, a calm gap.
        server.RespondWithStatus(HttpStatusCode.OK);
        await AdvanceToAsync(Seconds(100), Seconds(20), Seconds(80));
        await PostAsync();
        _ = await host.WaitForLogAsync("Recovered");
        var at = Seconds(100) + rampIn;
        await AdvanceToAsync(at, rampIn, Seconds(100));
        await PostAsync();
        _ = await host.WaitForLogAsync("ReportDelivered", 3);

        // The endpoint fails again before the all-clear: it flaps. The failed POST came after a tick (no success since
        // the newest sample), so its retry waits for the next tick and, after an outage, a calm gap from the failure.
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        var failedAt = at + calm;
        await AdvanceToAsync(failedAt, calm, at);
        await PostAsync();
        _ = await host.WaitForLogAsync("ReportFailed", 4);
        server.RespondWithStatus(HttpStatusCode.OK);
        var tick = host.Time.NextTick(Interval);
        Assert.True(failedAt + calm > tick, "the retry's pace outlasts the wait for the tick");
        await AdvanceToAsync(tick, tick - failedAt, failedAt);
        at = failedAt + calm;
        await AdvanceToAsync(at, at - tick, tick);
        await PostAsync();
        _ = await host.WaitForLogAsync("Recovered", 2);

        // Flapping: while samples wait behind the one being sent, POSTs go an urgent gap apart; the last one waiting goes
        // calmly. Each is the oldest sample, with its own time.
        while (true)
        {
            var waitingBehind = SamplesTakenBy(at) - Delivered(posts) > 1;
            var gap = waitingBehind ? urgent : calm;
            await AdvanceToAsync(at + gap, gap, at);
            at += gap;
            await PostAsync();
            _ = await host.WaitForLogAsync("ReportDelivered", Delivered(posts));
            if (!waitingBehind)
            {
                break;
            }
        }

        string?[] expected =
        [
            At(20),
            At(40), At(40), At(40), // the outage
            At(40), // the recovery, at the tick of 100 s
            At(60), // a ramp-in gap later
            At(80), // a calm gap later: it fails
            At(80), // its retry
        ];
        Assert.Equal(expected, posts.Take(expected.Length).Select(p => p.MeasuredAt));
        var times = new[] { 20d, 40, 60, 80, 100 }.Select(Seconds).Append(Seconds(100) + rampIn).Append(failedAt).Append(failedAt + calm);
        Assert.Equal(times, posts.Take(expected.Length).Select(p => p.At));

        // The drain after the flap: every sample from 100 s on, in order, urgent gaps until the last one, which was calm.
        var drain = posts.Skip(expected.Length).ToList();
        Assert.Equal(Enumerable.Range(0, drain.Count).Select(i => At(100 + (20 * i))), drain.Select(p => p.MeasuredAt));
        var gaps = drain.Select((p, i) => p.At - (i == 0 ? failedAt + calm : drain[i - 1].At)).ToList();
        Assert.All(gaps.SkipLast(1), g => Assert.Equal(urgent, g));
        Assert.Equal(calm, gaps[^1]);
        Assert.True(drain.Count >= 3, $"only {drain.Count} POSTs drained urgently and calmly");
        Assert.Equal(2, host.Records("Recovered").Count);
    }

    // The samples taken by `at` (every 20 s from 20 s).
    private static int SamplesTakenBy(TimeSpan at) => (int)(at.Ticks / Interval.Ticks);

    // The samples delivered so far: every sample POSTed was delivered in the end, failed ones by their retry.
    private static int Delivered(List<(TimeSpan At, string? MeasuredAt)> posts) => posts.Select(p => p.MeasuredAt).Distinct().Count();
}
