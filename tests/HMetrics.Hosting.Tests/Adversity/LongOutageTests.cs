using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Logging;
using static HMetrics.Hosting.Tests.Adversity.Adversity;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>Runs alone, so the process's memory and GC counts belong to the outage under test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial: whole-process measurements";
}

/// <summary>A day of failures on fake time, in about a second of real time.</summary>
[Collection(SerialCollection.Name)]
public sealed class LongOutageTests
{
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task A_24_hour_outage_backs_off_to_the_cap_stays_flat_summarises_its_logs_and_loses_no_count()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);

        // Default options: the schedule under test is the one users get.
        await using var host = MetricsHost.Create(new Dictionary<string, string?> { ["HEROKU_METRICS_URL"] = server.Url() });
        var handedOutBefore = ProcessCounterLedger.Shared.HandedOut("go.gc.collections");
        await host.StartAndSendFirstReportAsync();

        var delays = new List<TimeSpan>();
        var liveTimers = new List<int>();
        var outage = TimeSpan.Zero;
        long memoryAfterFirstHour = 0;
        long memoryAtTheEnd;
        int collectionsBeforeRecovery;
        while (true)
        {
            _ = await server.NextAsync();
            var delay = await host.Time.NextTimerAsync(d => d != HttpTimeout);
            delays.Add(delay);
            liveTimers.Add(host.Time.LiveTimers);

            // Collections during the outage: the recovery report must carry them although every report failed.
            if (delays.Count is 3 or 50 or 100)
            {
                GC.Collect();
            }

            if (memoryAfterFirstHour == 0 && outage >= TimeSpan.FromHours(1))
            {
                memoryAfterFirstHour = GC.GetTotalMemory(forceFullCollection: true);
            }

            outage += delay;
            if (outage >= TimeSpan.FromHours(24))
            {
                memoryAtTheEnd = GC.GetTotalMemory(forceFullCollection: true);
                server.RespondWithStatus(HttpStatusCode.OK);
                collectionsBeforeRecovery = GC.CollectionCount(0);
                host.Time.Advance(delay);
                break;
            }

            host.Time.Advance(delay);
        }

        // Recovery: the first successful report carries every collection no earlier reporter of the process delivered.
        var recovered = await server.NextAsync();
        var collectionsAfterRecovery = GC.CollectionCount(0);
        Assert.InRange(recovered.Counter("go.gc.collections") + handedOutBefore, collectionsBeforeRecovery, collectionsAfterRecovery);
        var recoveredLog = await host.WaitForLogAsync("Recovered");
        _ = await host.WaitForLogAsync("ReportDelivered");

        var attempts = delays.Count;

        // The schedule: 1 s doubling, each plus at most 500 ms of jitter, then exactly the 10 minute cap for good.
        for (var i = 0; i < attempts; i++)
        {
            var exponential = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(i, 20)));
            var low = exponential < Cap ? exponential : Cap;
            var high = exponential + Jitter < Cap ? exponential + Jitter : Cap;
            Assert.InRange(delays[i], low, high);
        }

        Assert.All(delays.Skip(10), d => Assert.Equal(Cap, d));
        Assert.InRange(attempts, 150, 160);

        // Flat: the waiting attempt holds one or two timers whatever the hour; nothing piles up.
        Assert.True(liveTimers.Max() <= 2, "live timers: " + string.Join(",", liveTimers));
        Assert.Equal(liveTimers[20], liveTimers[^1]);

        // Flat memory: what the test itself keeps (every log record and request) is a few hundred bytes an attempt.
        var growth = memoryAtTheEnd - memoryAfterFirstHour;
        Assert.True(growth < 4 * 1024 * 1024, $"the heap grew by {growth:N0} bytes over 23 hours of outage");

        // Readable logs: one record per attempt, a Warning for each of the first five, then one summary an hour.
        var records = host.Logs.GetSnapshot();
        var failures = records.Where(r => r.Id.Name is "ReportFailed" or "FailuresContinuing").ToList();
        Assert.Equal(attempts, failures.Count);
        var warnings = failures.Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(a => a.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            warnings.Where(r => r.Id.Name == "ReportFailed").Select(r => State(r, "Attempt")));
        var summaries = warnings.Where(r => r.Id.Name == "FailuresContinuing").ToList();
        Assert.InRange(summaries.Count, 22, 24);
        Assert.All(summaries.Skip(1), s => Assert.Equal("5", State(s, "Repeats")));
        Assert.Contains("status 503 (ServiceUnavailable)", summaries[^1].Message, StringComparison.Ordinal);
        Assert.Equal(attempts - 5 - summaries.Count, failures.Count(r => r.Level == LogLevel.Debug));
        Assert.Equal(attempts + 3, records.Count(r => r.Category == "HMetrics.Hosting")); // + Started, Recovered, ReportDelivered

        Assert.Equal(attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), State(recoveredLog, "Attempts"));
        Assert.Equal(LogLevel.Information, recoveredLog.Level);
        AssertHealthy(host);
    }

    [Fact]
    public async Task A_new_failure_reason_is_a_warning_at_once_even_while_identical_ones_are_summarised()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        await using var host = MetricsHost.Create(new Dictionary<string, string?>
        {
            ["HEROKU_METRICS_URL"] = server.Url(),
            ["HerokuMetrics:BackoffJitter"] = "00:00:00",
            ["HerokuMetrics:MaxBackoff"] = "00:01:00",
        });
        await host.StartAndSendFirstReportAsync();

        // Observes one failed attempt, then sets what the endpoint answers next and lets the backoff elapse.
        async Task<FakeFailure> FailAsync(HttpStatusCode next = HttpStatusCode.ServiceUnavailable)
        {
            _ = await server.NextAsync();
            var delay = await host.Time.NextTimerAsync(d => d != HttpTimeout);
            var record = host.Logs.GetSnapshot().Last(r => r.Id.Name is "ReportFailed" or "FailuresContinuing");
            server.RespondWithStatus(next);
            host.Time.Advance(delay);
            return new FakeFailure(record.Id.Name!, record.Level, record.Message);
        }

        var first = new List<FakeFailure>();
        for (var i = 0; i < 7; i++)
        {
            first.Add(await FailAsync());
        }

        first.Add(await FailAsync(HttpStatusCode.InternalServerError));
        Assert.All(first.Take(5), f => Assert.Equal(LogLevel.Warning, f.Level));
        Assert.All(first.Skip(5), f => Assert.Equal(LogLevel.Debug, f.Level));

        var changed = await FailAsync(HttpStatusCode.InternalServerError);
        Assert.Equal(("ReportFailed", LogLevel.Warning), (changed.Name, changed.Level));
        Assert.Contains("status 500", changed.Message, StringComparison.Ordinal);

        var repeated = await FailAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(LogLevel.Debug, repeated.Level);

        var back = await FailAsync(HttpStatusCode.OK);
        Assert.Equal(LogLevel.Warning, back.Level);
        Assert.Contains("status 503", back.Message, StringComparison.Ordinal);

        // Recovery resets the rule: the next outage's first failures are Warnings again.
        _ = await server.NextAsync();
        _ = await host.WaitForLogAsync("Recovered");
        await host.Time.WaitForTimerAsync(Interval);
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        host.Time.Advance(Interval);
        var again = await FailAsync();
        Assert.Equal(LogLevel.Warning, again.Level);
        Assert.Contains("Attempt 1;", again.Message, StringComparison.Ordinal);
        AssertHealthy(host);
    }

    private sealed record FakeFailure(string Name, LogLevel Level, string Message);
}
