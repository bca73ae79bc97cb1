using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// How a backlog goes out after an outage, as the endpoint sees it: a ramp-in gap after the recovery, then a calm drain;
/// once the endpoint fails again before the all-clear, the samples still waiting drain urgently (docs/behaviour.md,
/// "Sampling and delivery").
/// </summary>
public sealed class PacingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(7);

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
        Assert.Equal((Seconds(17), Seconds(14), Seconds(11.2)), (rampIn, calm, urgent));

        // One failed POST, seen by the endpoint, then Polly's delay armed. The fake clock moves only after both.
        async Task FailedAsync()
        {
            _ = await server.NextAsync();
            await host.Time.WaitForTimerAsync(Backoff);
        }

        async Task<string?> DeliveredAsync() => (await server.NextAsync()).Header("Measurements-Time");

        Assert.Equal(At(20), (await host.StartAndDeliverFirstReportAsync(server)).Header("Measurements-Time"));

        // 40 s: the endpoint is down; the sample of 40 s is retried every 7 s, the sample of 60 s waits behind it.
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        host.Time.Advance(Seconds(20));
        await FailedAsync();
        host.Time.Advance(Backoff);
        await FailedAsync();
        host.Time.Advance(Backoff);
        await FailedAsync();
        host.Time.Advance(Seconds(6)); // 60 s: a sample
        host.Time.Advance(Seconds(1));
        await FailedAsync();

        // 68 s: the endpoint is back. The recovery goes out at once; the next POST waits a ramp-in gap, even though the
        // sample of 60 s is the only one waiting; the one after that a calm gap.
        server.RespondWithStatus(HttpStatusCode.OK);
        host.Time.Advance(Backoff);
        Assert.Equal(At(40), await DeliveredAsync());
        await host.Time.WaitForTimerAsync(rampIn);
        host.Time.Advance(Seconds(12)); // 80 s: a sample
        host.Time.Advance(rampIn - Seconds(12));
        Assert.Equal(At(60), await DeliveredAsync());
        await host.Time.WaitForTimerAsync(calm);

        // 99 s: the endpoint fails again before the all-clear window: it flaps. Two samples pile up behind the failed one.
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        host.Time.Advance(calm);
        await FailedAsync();
        host.Time.Advance(Seconds(1)); // 100 s: a sample
        host.Time.Advance(Seconds(6));
        await FailedAsync();
        host.Time.Advance(Backoff);
        await FailedAsync();
        host.Time.Advance(Backoff); // 120 s: a sample, and the retry fails
        await FailedAsync();

        // 127 s: back again. No ramp-in this time; the sample of 100 s has another waiting behind it, so it goes urgently;
        // the sample of 120 s is then the last one waiting, so it goes calmly.
        server.RespondWithStatus(HttpStatusCode.OK);
        host.Time.Advance(Backoff);
        Assert.Equal(At(80), await DeliveredAsync());
        await host.Time.WaitForTimerAsync(urgent);
        host.Time.Advance(urgent);
        Assert.Equal(At(100), await DeliveredAsync());
        await host.Time.WaitForTimerAsync(calm);
        host.Time.Advance(Seconds(1.8)); // 140 s: a sample
        host.Time.Advance(calm - Seconds(1.8));
        Assert.Equal(At(120), await DeliveredAsync());

        Assert.Equal(2, host.Records("Recovered").Count);
    }
}
