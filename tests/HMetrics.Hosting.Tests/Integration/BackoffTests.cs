using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>The backoff end to end (docs/behaviour.md, "Failures"), with jitter off so Polly's delays are exact.</summary>
public sealed class BackoffTests
{
    [Fact]
    public async Task Delays_double_from_the_initial_backoff_up_to_the_cap_and_stay_there()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:InitialBackoff", "00:00:01"),
            ("HerokuMetrics:MaxBackoff", "00:00:20"));
        server.RespondWithStatus(HttpStatusCode.InternalServerError);

        await host.StartAndSendFirstReportAsync();

        double[] expected = [1, 2, 4, 8, 16, 20, 20, 20];
        var now = 20d;
        for (var attempt = 1; attempt <= expected.Length; attempt++)
        {
            // Every attempt re-sends the oldest sample with its own time; the ones taken meanwhile wait behind it.
            Assert.Equal(At(20), (await server.NextAsync()).Header("Measurements-Time"));
            var warning = await host.WaitForLogAsync("ReportFailed", attempt);
            Assert.Equal(attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), warning.GetStructuredStateValue("Attempt"));
            var delay = Seconds(expected[attempt - 1]);
            Assert.Equal(delay.ToString(), warning.GetStructuredStateValue("Delay"));

            await host.Time.WaitForTimerAsync(delay);
            host.Time.Advance(delay);
            now += expected[attempt - 1];
        }

        // The library never gives up: the attempt after the last one is made too.
        Assert.Equal(At(20), (await server.NextAsync()).Header("Measurements-Time"));
        await host.WaitForLogAsync("ReportFailed", expected.Length + 1);
    }

    [Theory]
    [InlineData(4, 1)] // the run began at 27 s and delivered until 100 s, past the 60 s all-clear window: back to 1 s
    [InlineData(2, 8)] // it failed again at 60 s, 33 s into the run: the backoff keeps climbing
    public async Task A_run_as_long_as_the_all_clear_window_resets_the_backoff_a_shorter_one_keeps_climbing(int failingTick, int nextDelaySeconds)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:BackoffResetAfter", "00:01:00"));
        server.RespondWithStatus(HttpStatusCode.InternalServerError);

        await host.StartAndSendFirstReportAsync();

        // Three failures: 1 s, 2 s, 4 s.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var delay = Seconds(Math.Pow(2, attempt - 1));
            Assert.Equal(delay.ToString(), (await host.WaitForLogAsync("ReportFailed", attempt)).GetStructuredStateValue("Delay"));
            if (attempt == 3)
            {
                server.RespondWithStatus(HttpStatusCode.OK);
            }

            await host.Time.WaitForTimerAsync(delay);
            host.Time.Advance(delay);
        }

        // The retry at 27 s delivers the sample of 20 s; the sample of 40 s follows one ramp-in gap after the recovery
        // (44 s), the next ones on the schedule (60 s, 80 s, ...) until the endpoint fails again at the given tick.
        await host.WaitForLogAsync("Recovered");
        var rampedTo = Seconds(27) + DrainPacer.RampInGap(Seconds(20));
        Assert.InRange(rampedTo, Seconds(40), Seconds(60));
        for (var tick = 1; tick <= failingTick; tick++)
        {
            if (tick == failingTick)
            {
                server.RespondWithStatus(HttpStatusCode.InternalServerError);
            }

            if (tick == 1)
            {
                host.Time.Advance(Seconds(13));
                await host.Time.WaitForTimerAsync(rampedTo - Seconds(40));
                host.Time.Advance(rampedTo - Seconds(40));
            }
            else
            {
                host.Time.Advance(tick == 2 ? Seconds(60) - rampedTo : Seconds(20));
            }

            if (tick < failingTick)
            {
                await host.WaitForLogAsync("ReportDelivered", tick + 1);
            }
        }

        // The attempt count restarts with each outage; the backoff step does not, unless the run earned the all-clear.
        var warning = await host.WaitForLogAsync("ReportFailed", 4);
        Assert.Equal("1", warning.GetStructuredStateValue("Attempt"));
        Assert.Equal(Seconds(nextDelaySeconds).ToString(), warning.GetStructuredStateValue("Delay"));

        // The delay is really the one waited: the retry goes out when it ends.
        server.DropPending();
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Seconds(nextDelaySeconds));
        host.Time.Advance(Seconds(nextDelaySeconds));
        Assert.Equal(At(20 + (20 * failingTick)), (await server.NextAsync()).Header("Measurements-Time"));
    }
}
