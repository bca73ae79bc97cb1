using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Every way the endpoint can fail one report (docs/behaviour.md, "Failures"): the host keeps running, one Warning names
/// the failure, the attempt and the delay, the failed sample is retried with its own time — when the endpoint's
/// <c>Retry-After</c> says, else at the next sampling tick (the retry budget) — and the schedule never moves.
/// </summary>
public sealed class FailureTests
{
    private static readonly TimeSpan Interval = MetricsHost.DefaultInterval;

    public static TheoryData<string> Failures =>
    [
        "429 Retry-After 7", "500", "503 Retry-After 3", "503 Retry-After date +15s", "307", "hang", "drop",
    ];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failed_report_is_logged_once_retried_at_the_next_tick_or_when_the_endpoint_asks_and_the_interval_resumes(string failure)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var elsewhere = await HerokuLikeServer.StartAsync();
        // A timeout set below the interval stays exact: the hung request fails 10 s after it went out.
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"), ("HerokuMetrics:HttpTimeout", "00:00:10"));

        Assert.Equal(At(20), (await host.StartAndDeliverFirstReportAsync(server)).Header("Measurements-Time"));

        var (loggedDelay, reasonPart, askedByEndpoint) = Arrange(failure, server, elsewhere, host.Time);
        host.Time.Advance(Seconds(20));
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        var failedAt = Seconds(40);
        if (failure == "hang")
        {
            // Nothing but the timeout (10 s here) ends a request the endpoint never answers.
            host.Time.Advance(Seconds(10));
            failedAt = Seconds(50);
        }

        var warning = await host.WaitForLogAsync("ReportFailed");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("1", warning.GetStructuredStateValue("Attempt"));
        Assert.Equal(loggedDelay.ToString(), warning.GetStructuredStateValue("Delay"));
        Assert.Contains(reasonPart, warning.GetStructuredStateValue("Reason"), StringComparison.Ordinal);
        Assert.Contains("Attempt 1; next try in " + loggedDelay, warning.Message, StringComparison.Ordinal);
        Assert.Equal(host.Time.Start + failedAt, warning.Timestamp);

        // A dropped connection may be re-sent once by the client itself; only what comes after the delay counts here.
        server.DropPending();
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(loggedDelay);
        TimeSpan retriedAt;
        if (askedByEndpoint)
        {
            // The endpoint's Retry-After wins over the retry budget: the retry goes when it asked, before the next tick.
            retriedAt = failedAt + loggedDelay;
            Assert.True(retriedAt < Seconds(60));
            host.Time.AdvanceTo(retriedAt, Interval);
        }
        else
        {
            // No success since the sample of 40 s was taken paid for an early retry: the retry waits for the next sampling
            // tick (60 s), which the line names, and goes with that tick's sample waiting behind, at least an urgent pacing
            // gap after the failure (more than the wait for the tick only when the hung request failed late, at 50 s).
            host.Time.AdvanceTo(Seconds(60), Interval);
            var paced = failedAt + DrainPacer.UrgentGap(Interval) - Seconds(60);
            if (paced > TimeSpan.Zero)
            {
                await host.Time.WaitForTimerAsync(paced);
                host.Time.Advance(paced);
            }

            retriedAt = host.Time.Elapsed;
        }

        // The failed sample is retried with its own Measurements-Time, so its counts land in its own minute.
        // Fake time moves only once the client has its answer, or the request's own timeout would fire first.
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        var recovered = await host.WaitForLogAsync("Recovered");
        Assert.Equal(host.Time.Start + retriedAt, recovered.Timestamp);

        // The next samples keep their own time, and the schedule never moves. After a retry the endpoint asked for,
        // nothing waits: the sample of 60 s goes on schedule. After a retry at the tick, that tick's sample waited behind
        // it: it goes one calm gap after the recovery, and the regular samples after it are paced from the POST before
        // until one goes at its own tick again.
        if (askedByEndpoint)
        {
            host.Time.AdvanceTo(Seconds(60), Interval);
            Assert.Equal(At(60), (await server.NextAsync()).Header("Measurements-Time"));
            Assert.Equal(host.Time.Start + Seconds(60), (await host.WaitForLogAsync("ReportDelivered", 3)).Timestamp);
        }
        else
        {
            _ = await CalmDrain.FollowAsync(host, server, retriedAt, Seconds(60), delivered: 2, Interval);
        }

        Assert.Equal(LogLevel.Information, recovered.Level);
        Assert.Equal("1", recovered.GetStructuredStateValue("Attempts"));

        Assert.Single(host.LibraryRecords(LogLevel.Warning));
        Assert.Empty(host.LibraryRecords(LogLevel.Error));
        Assert.False(host.Service.ExecuteTask!.IsCompleted);
        Assert.Equal(0, elsewhere.RequestCount);

        // A request the client gave up on can linger on the server until it notices the closed connection.
        if (failure != "hang")
        {
            Assert.Equal(1, server.MaxConcurrentRequests);
        }
    }

    [Fact]
    public async Task A_rejected_sample_is_one_warning_with_its_iso_time_dropped_not_retried_and_the_next_goes_on_schedule()
    {
        // Issue 21: a 400 logged a ReportFailed and a SampleRejected Warning, backed off, and printed the time in the
        // machine's culture. The endpoint answered: it is not failing, the sample is.
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"));
        _ = await host.StartAndDeliverFirstReportAsync(server);

        server.RespondWithStatus(HttpStatusCode.BadRequest);
        host.Time.Advance(Seconds(20));
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        var rejected = await host.WaitForLogAsync("SampleRejected");

        server.RespondWithStatus(HttpStatusCode.OK);
        host.Time.Advance(Seconds(20));
        Assert.Equal(At(60), (await server.NextAsync()).Header("Measurements-Time"));
        _ = await host.WaitForLogAsync("ReportDelivered", 2);

        Assert.Equal(LogLevel.Warning, rejected.Level);
        Assert.Contains("measured at 2026-11-25T12:00:40.000Z with status 400", rejected.Message, StringComparison.Ordinal);
        Assert.Single(host.LibraryRecords(LogLevel.Warning));
        Assert.Empty(host.Records("ReportFailed"));
        Assert.Equal(1, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.DroppedSamples);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_the_warning_names_status_307()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var target = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"));
        server.RespondWithRedirect(target.Url("/collect"));

        await host.StartAndSendFirstReportAsync();
        var warning = await host.WaitForLogAsync("ReportFailed");

        Assert.Contains("status 307", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.RequestCount);
        Assert.Equal(0, target.RequestCount);
    }

    [Fact]
    public async Task An_unset_timeout_follows_a_short_interval_without_a_line()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:PostInterval", "00:00:01"));

        // The README's worker command sets only the interval: the timeout is that interval, nothing to warn or tell about.
        _ = await host.StartAndDeliverFirstReportAsync(server, Seconds(1));

        Assert.Empty(host.Records("HttpTimeoutClamped"));
        Assert.Empty(host.LibraryRecords(LogLevel.Warning));
    }

    [Fact]
    public async Task A_timeout_set_above_the_interval_is_capped_at_it_with_one_warning()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:PostInterval", "00:00:04"),
            ("HerokuMetrics:HttpTimeout", "00:00:10"));

        await host.StartAsync();
        var clamp = await host.WaitForLogAsync("HttpTimeoutClamped");
        Assert.Equal(LogLevel.Warning, clamp.Level);
        Assert.Equal("00:00:10", clamp.GetStructuredStateValue("HttpTimeout"));
        Assert.Equal("00:00:04", clamp.GetStructuredStateValue("EffectiveTimeout"));
        Assert.Equal(
            "HerokuMetrics:HttpTimeout 00:00:10 would let a report outlast the post interval 00:00:04; using 00:00:04 instead.",
            clamp.Message);

        await host.Time.WaitForTimerAsync(Seconds(4));
        _ = await host.AdvanceToNextReportAsync(server, 1, Seconds(4));

        // A reload that leaves the timeout and the interval alone does not repeat it.
        host.Reload(("HerokuMetrics:UserAgent", "my-app/2.0"));
        _ = await host.AdvanceToNextReportAsync(server, 2, Seconds(4));

        Assert.Single(host.Records("HttpTimeoutClamped"));
    }

    [Fact]
    public async Task A_hung_request_ends_exactly_at_a_timeout_set_below_the_interval()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            server,
            ("HerokuMetrics:PostInterval", "00:00:04"),
            ("HerokuMetrics:HttpTimeout", "00:00:03"),
            ("HerokuMetrics:BackoffJitter", "00:00:00"));

        await host.StartAndWaitForFirstTimerAsync(Seconds(4));
        for (var i = 1; i <= 3; i++)
        {
            _ = await host.AdvanceToNextReportAsync(server, i, Seconds(4));
        }

        server.RespondByHanging();
        host.Time.Advance(Seconds(4));
        Assert.Equal(At(16), (await server.NextAsync()).Header("Measurements-Time"));
        host.Time.Advance(Seconds(3));
        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Contains("no response within 00:00:03", failed.Message, StringComparison.Ordinal);

        // The failure happened at 16 s + 3 s, unpaid (the first request after a tick): the sample of 16 s is retried with
        // the next sample (20 s) waiting behind it, an urgent gap after the failure (past the tick here); the sample taken
        // meanwhile, the last one waiting, follows one calm gap after the recovery, with its own time.
        var interval = Seconds(4);
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Seconds(1));
        host.Time.AdvanceTo(Seconds(20), interval);
        var urgent = Seconds(19) + DrainPacer.UrgentGap(interval) - Seconds(20);
        Assert.True(urgent > TimeSpan.Zero);
        await host.Time.WaitForTimerAsync(urgent);
        host.Time.Advance(urgent);
        Assert.Equal(At(16), (await server.NextAsync()).Header("Measurements-Time"));
        await host.WaitForLogAsync("Recovered");
        var calm = DrainPacer.CalmGap(interval);
        await host.Time.WaitForTimerAsync(calm);
        host.Time.AdvanceTo(host.Time.Elapsed + calm, interval);
        Assert.Equal(At(20), (await server.NextAsync()).Header("Measurements-Time"));

        Assert.Empty(host.Records("HttpTimeoutClamped"));
    }

    // The delay the failure's line names, a part of its reason, and whether the endpoint asked for the delay (Retry-After).
    private static (TimeSpan Delay, string ReasonPart, bool AskedByEndpoint) Arrange(string failure, HerokuLikeServer server, HerokuLikeServer elsewhere, TestTimeProvider time)
    {
        switch (failure)
        {
            case "429 Retry-After 7":
                server.RespondWithStatus(HttpStatusCode.TooManyRequests, "7");
                return (Seconds(7), "status 429 (TooManyRequests)", true);
            case "500":
                server.RespondWithStatus(HttpStatusCode.InternalServerError);
                return (Seconds(20), "status 500 (InternalServerError)", false);
            case "503 Retry-After 3":
                server.RespondWithStatus(HttpStatusCode.ServiceUnavailable, "3");
                return (Seconds(3), "status 503 (ServiceUnavailable)", true);
            case "503 Retry-After date +15s":
                // The report goes out 20 s from now; the date is 15 s after that, within MaxBackoff (20 s).
                server.RespondWithStatus(
                    HttpStatusCode.ServiceUnavailable,
                    time.GetUtcNow().AddSeconds(35).ToString("R", CultureInfo.InvariantCulture));
                return (Seconds(15), "status 503 (ServiceUnavailable)", true);
            case "307":
                server.RespondWithRedirect(elsewhere.Url("/metrics/stolen"));
                return (Seconds(20), "status 307", false);
            case "hang":
                server.RespondByHanging();
                // It fails at 50 s, when the timeout ends it: the next tick is 10 s away.
                return (Seconds(10), "no response within 00:00:10", false);
            case "drop":
                server.RespondByDroppingTheConnection();
                return (Seconds(20), "HttpRequestException", false);
            default:
                throw new ArgumentOutOfRangeException(nameof(failure), failure, null);
        }
    }
}
