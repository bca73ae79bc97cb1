using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Every way the endpoint can fail one report (docs/behaviour.md, "Failures"): the host keeps running, one Warning names
/// the failure, the attempt and the delay, the failed sample is retried after the delay with its own time, and the schedule never moves.
/// </summary>
public sealed class FailureTests
{
    public static TheoryData<string> Failures =>
    [
        "429 Retry-After 7", "500", "503 Retry-After 3", "503 Retry-After date +30s", "307", "hang", "drop",
    ];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failed_report_is_logged_once_retried_after_the_delay_and_the_interval_resumes(string failure)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var elsewhere = await HerokuLikeServer.StartAsync();
        // A timeout set below the interval stays exact: the hung request fails 10 s after it went out.
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"), ("HerokuMetrics:HttpTimeout", "00:00:10"));

        Assert.Equal(At(20), (await host.StartAndDeliverFirstReportAsync(server)).Header("Measurements-Time"));

        var (expectedDelay, reasonPart) = Arrange(failure, server, elsewhere, host.Time);
        host.Time.Advance(Seconds(20));
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        var failedAt = 40d;
        if (failure == "hang")
        {
            // Nothing but the timeout (10 s here) ends a request the endpoint never answers.
            host.Time.Advance(Seconds(10));
            failedAt = 50;
        }

        var warning = await host.WaitForLogAsync("ReportFailed");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("1", warning.GetStructuredStateValue("Attempt"));
        Assert.Equal(expectedDelay.ToString(), warning.GetStructuredStateValue("Delay"));
        Assert.Contains(reasonPart, warning.GetStructuredStateValue("Reason"), StringComparison.Ordinal);
        Assert.Contains("Attempt 1; next try in " + expectedDelay, warning.Message, StringComparison.Ordinal);

        // A dropped connection may be re-sent once by the client itself; only what comes after the delay counts here.
        server.DropPending();
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(expectedDelay);
        var retriedAt = failedAt + expectedDelay.TotalSeconds;
        if (retriedAt > 60)
        {
            // A fake clock fires every timer of a jump at its end: step to 60 s first, so that sample is taken on time.
            host.Time.Advance(Seconds(60 - failedAt));
            host.Time.Advance(Seconds(retriedAt - 60));
        }
        else
        {
            host.Time.Advance(expectedDelay);
        }

        {
            // The failed sample is retried with its own Measurements-Time, so its counts land in its own minute.
            // Fake time moves only once the client has its answer, or the request's own timeout would fire first.
            Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
            _ = await host.WaitForLogAsync("Recovered");
            if (retriedAt < 60)
            {
                // The next sample goes on its schedule, or one ramp-in gap after the recovery if that is later.
                var paced = Seconds(retriedAt) + DrainPacer.RampInGap(Seconds(20));
                host.Time.Advance(Seconds(60 - retriedAt));
                if (paced > Seconds(60))
                {
                    await host.Time.WaitForTimerAsync(paced - Seconds(60));
                    host.Time.Advance(paced - Seconds(60));
                }

                Assert.Equal(At(60), (await server.NextAsync()).Header("Measurements-Time"));
            }
            else
            {
                // The sample of 60 s waited meanwhile: it follows one ramp-in gap after the recovery.
                var spacing = DrainPacer.RampInGap(Seconds(20));
                await host.Time.WaitForTimerAsync(spacing);
                host.Time.Advance(Seconds(80 - retriedAt));
                host.Time.Advance(Seconds(retriedAt) + spacing - Seconds(80));
                Assert.Equal(At(60), (await server.NextAsync()).Header("Measurements-Time"));
            }
        }

        var recovered = await host.WaitForLogAsync("Recovered");
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

        // The failure happened at 16 s + 3 s: the sample of 16 s is retried one backoff (1 s) later, with its own time;
        // the sample taken meanwhile follows one ramp-in gap after it.
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Seconds(1));
        host.Time.Advance(Seconds(1));
        Assert.Equal(At(16), (await server.NextAsync()).Header("Measurements-Time"));
        await host.WaitForLogAsync("Recovered");
        var spacing = DrainPacer.RampInGap(Seconds(4));
        await host.Time.WaitForTimerAsync(spacing);
        host.Time.Advance(spacing);
        Assert.Equal(At(20), (await server.NextAsync()).Header("Measurements-Time"));

        Assert.Empty(host.Records("HttpTimeoutClamped"));
    }

    private static (TimeSpan Delay, string ReasonPart) Arrange(string failure, HerokuLikeServer server, HerokuLikeServer elsewhere, TestTimeProvider time)
    {
        switch (failure)
        {
            case "429 Retry-After 7":
                server.RespondWithStatus(HttpStatusCode.TooManyRequests, "7");
                return (Seconds(7), "status 429 (TooManyRequests)");
            case "500":
                server.RespondWithStatus(HttpStatusCode.InternalServerError);
                return (Seconds(1), "status 500 (InternalServerError)");
            case "503 Retry-After 3":
                server.RespondWithStatus(HttpStatusCode.ServiceUnavailable, "3");
                return (Seconds(3), "status 503 (ServiceUnavailable)");
            case "503 Retry-After date +30s":
                // The report goes out 20 s from now; the date is 30 s after that.
                server.RespondWithStatus(
                    HttpStatusCode.ServiceUnavailable,
                    time.GetUtcNow().AddSeconds(50).ToString("R", CultureInfo.InvariantCulture));
                return (Seconds(30), "status 503 (ServiceUnavailable)");
            case "307":
                server.RespondWithRedirect(elsewhere.Url("/metrics/stolen"));
                return (Seconds(1), "status 307");
            case "hang":
                server.RespondByHanging();
                return (Seconds(1), "no response within 00:00:10");
            case "drop":
                server.RespondByDroppingTheConnection();
                return (Seconds(1), "HttpRequestException");
            default:
                throw new ArgumentOutOfRangeException(nameof(failure), failure, null);
        }
    }
}
