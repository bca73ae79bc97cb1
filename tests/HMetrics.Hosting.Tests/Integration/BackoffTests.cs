using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>The backoff end to end (docs/behaviour.md, "Failures"), with jitter off so Polly's delays are exact.</summary>
public sealed class BackoffTests
{
    private static readonly TimeSpan Interval = MetricsHost.DefaultInterval;

    [Fact]
    public async Task Delays_double_from_the_initial_backoff_up_to_the_cap_and_stay_there()
    {
        // A cap above the interval, so Polly's delays outgrow the wait for the next sampling tick and show in the
        // timeline: a failure no success paid for is retried at the later of Polly's delay and the next tick.
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:InitialBackoff", "00:00:01"),
            ("HerokuMetrics:MaxBackoff", "00:01:20"));
        server.RespondWithStatus(HttpStatusCode.InternalServerError);

        await host.StartAndSendFirstReportAsync();

        double[] expected = [1, 2, 4, 8, 16, 32, 64, 80, 80];
        for (var attempt = 1; attempt <= expected.Length; attempt++)
        {
            // Every attempt re-sends the oldest sample the endpoint still accepts, with its own time; the ones taken
            // meanwhile wait behind it.
            var sentAt = host.Time.Elapsed;
            Assert.Equal(At(Oldest(sentAt)), (await server.NextAsync()).Header("Measurements-Time"));
            var warning = await host.WaitForLogAsync("ReportFailed", attempt);
            Assert.Equal(attempt.ToString(CultureInfo.InvariantCulture), warning.GetStructuredStateValue("Attempt"));
            Assert.Equal(host.Time.Start + sentAt, warning.Timestamp);
            var delay = Seconds(expected[attempt - 1]);
            Assert.Equal(delay.ToString(), warning.GetStructuredStateValue("Delay"));

            // Polly's delay is waited in full; while it is shorter than the wait for the next tick, the tick decides.
            await host.Time.WaitForTimerAsync(delay);
            host.Time.AdvanceTo(host.Time.UnpaidRetryAt(delay, Interval), Interval);
        }

        // The library never gives up: the attempt after the last one is made too.
        Assert.Equal(At(Oldest(host.Time.Elapsed)), (await server.NextAsync()).Header("Measurements-Time"));
        var last = await host.WaitForLogAsync("ReportFailed", expected.Length + 1);
        Assert.Equal(Seconds(80).ToString(), last.GetStructuredStateValue("Delay"));
    }

    [Theory]
    [InlineData(4, 1)] // the 4th POST after the recovery (160.5 s) came after the 60 s window had passed (all clear at 125.5 s): back to 1 s
    [InlineData(1, 8)] // the 1st (108 s, after the ramp-in) was planned 16 s into the run, samples still waiting: the backoff keeps climbing
    public async Task A_run_as_long_as_the_all_clear_window_resets_the_backoff_a_shorter_one_keeps_climbing(int failingPost, int nextDelaySeconds)
    {
        // A cap above the interval, so the retry's delay is Polly's (at the default cap, the interval, an unpaid retry
        // waits exactly for the next tick and Polly's step does not show).
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:MaxBackoff", "00:01:20"),
            ("HerokuMetrics:BackoffResetAfter", "00:01:00"));
        server.RespondWithStatus(HttpStatusCode.InternalServerError);

        await host.StartAndSendFirstReportAsync();

        // An outage of three failures (Polly's delays 1 s, 2 s, 4 s), each retried at the next tick: 40 s, 60 s, 80 s.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var delay = Seconds(Math.Pow(2, attempt - 1));
            Assert.Equal(delay.ToString(), (await host.WaitForLogAsync("ReportFailed", attempt)).GetStructuredStateValue("Delay"));
            if (attempt == 3)
            {
                server.RespondWithStatus(HttpStatusCode.OK);
            }

            await host.Time.WaitForTimerAsync(delay);
            host.Time.AdvanceTo(host.Time.NextTick(Interval), Interval);
        }

        // The retry at 80 s delivers the sample of 20 s. Samples wait behind it and the backlog is not caught up for
        // minutes (a calm drain gains a little on the schedule with each POST), so only the window can give the all-clear:
        // the next POST waits a ramp-in gap after the recovery, the ones after it a calm gap each, until the endpoint
        // fails again at the given POST.
        await host.WaitForLogAsync("Recovered");
        var (rampIn, calm) = (DrainPacer.RampInGap(Interval), DrainPacer.CalmGap(Interval));
        var postAt = Seconds(80);
        for (var post = 1; post <= failingPost; post++)
        {
            var gap = post == 1 ? rampIn : calm;
            await host.Time.WaitForTimerAsync(gap);
            if (post == failingPost)
            {
                server.RespondWithStatus(HttpStatusCode.InternalServerError);
            }

            postAt += gap;
            host.Time.AdvanceTo(postAt, Interval);
            if (post < failingPost)
            {
                await host.WaitForLogAsync("ReportDelivered", post + 1);
            }
        }

        // The premise: the run that recovered began when Polly's last delay ended (4 s after the failure at 60 s), and the
        // all-clear is decided when a POST is planned, a gap before it goes.
        var plannedAt = postAt - (failingPost == 1 ? rampIn : calm);
        Assert.Equal(nextDelaySeconds == 1, plannedAt - Seconds(64) >= Seconds(60));

        // The attempt count restarts with each outage; the backoff step does not, unless the run earned the all-clear.
        var warning = await host.WaitForLogAsync("ReportFailed", 4);
        Assert.Equal("1", warning.GetStructuredStateValue("Attempt"));
        Assert.Equal(Seconds(nextDelaySeconds).ToString(), warning.GetStructuredStateValue("Delay"));

        // No success since the newest sample paid for an early retry: the failed sample goes again with its own time at
        // the next tick, or a calm gap after the failure if that is later (it fails in a drain after an outage).
        server.DropPending();
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Seconds(nextDelaySeconds));
        var tick = host.Time.NextTick(Interval);
        host.Time.AdvanceTo(tick, Interval);
        var paced = postAt + calm - tick;
        if (paced > TimeSpan.Zero)
        {
            await host.Time.WaitForTimerAsync(paced);
            host.Time.Advance(paced);
        }

        Assert.Equal(At(20 + (20 * failingPost)), (await server.NextAsync()).Header("Measurements-Time"));
    }

    // The oldest sample the backlog still holds at `now`: samples are taken every 20 s from 20 s, and one older than
    // SampleBacklog.MaxAge is dropped before anything is sent.
    private static double Oldest(TimeSpan now)
    {
        var oldest = Interval;
        while (oldest < now - SampleBacklog.MaxAge)
        {
            oldest += Interval;
        }

        return oldest.TotalSeconds;
    }
}
