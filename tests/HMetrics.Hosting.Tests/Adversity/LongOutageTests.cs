using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
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

    [Fact]
    public async Task A_24_hour_outage_backs_off_to_the_cap_stays_flat_summarises_its_logs_and_drops_only_what_expired()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);

        // Jitter off, so Polly's exponential schedule is exact; the cap is set here, not taken from the default; the timeout
        // is set below the interval, so each request arms its own timer, which the wait for the backoff below skips.
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"), ("HerokuMetrics:MaxBackoff", "00:10:00"), ("HerokuMetrics:HttpTimeout", "00:00:10"));
        await host.StartAndSendFirstReportAsync();

        var delays = new List<TimeSpan>();
        var liveTimers = new List<int>();
        var outage = TimeSpan.Zero;
        long memoryAfterFirstHour = 0;
        long memoryAtTheEnd;
        while (true)
        {
            _ = await server.NextAsync();
            var delay = await host.Time.NextTimerAsync(d => d != HttpTimeout);
            delays.Add(delay);
            liveTimers.Add(host.Time.LiveTimers);

            if (memoryAfterFirstHour == 0 && outage >= TimeSpan.FromHours(1))
            {
                memoryAfterFirstHour = GC.GetTotalMemory(forceFullCollection: true);
            }

            // No success pays for an early retry in an outage: each goes at the later of Polly's delay and the next tick.
            var retryAt = host.Time.UnpaidRetryAt(delay, Interval);
            outage += retryAt - host.Time.Elapsed;
            if (outage >= TimeSpan.FromHours(24))
            {
                memoryAtTheEnd = GC.GetTotalMemory(forceFullCollection: true);
                server.RespondWithStatus(HttpStatusCode.OK);
                host.Time.AdvanceTo(retryAt, Interval);
                break;
            }

            host.Time.AdvanceTo(retryAt, Interval);
        }

        // Recovery: the oldest sample the endpoint still accepts goes first, with its own time.
        var recovered = await server.NextAsync();
        var measuredAt = DateTimeOffset.Parse(recovered.Header("Measurements-Time")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(host.Time.GetUtcNow() - measuredAt, TimeSpan.Zero, TimeSpan.FromMinutes(3.5));
        var recoveredLog = await host.WaitForLogAsync("Recovered");

        // What had expired is logged once, as one Warning, with how many samples and what span.
        var dropped = await host.WaitForLogAsync("SamplesDropped");
        Assert.Single(host.Records("SamplesDropped"));
        Assert.Equal(LogLevel.Warning, dropped.Level);
        var samplesTaken = (int)((outage + Interval) / Interval);
        var droppedCount = int.Parse(State(dropped, "Count")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(droppedCount, samplesTaken - 13, samplesTaken - 9);
        Assert.Equal(droppedCount, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.DroppedSamples);

        var attempts = delays.Count;

        // Polly's schedule: 1 s doubling, then exactly the 10 minute cap for good. While a delay is shorter than the wait
        // for the next tick, the retry went at the tick: one request per interval, as in steady state.
        for (var i = 0; i < attempts; i++)
        {
            var exponential = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(i, 20)));
            Assert.Equal(exponential < Cap ? exponential : Cap, delays[i]);
        }

        Assert.InRange(attempts, 150, 160);
        Assert.Equal(attempts + 1, server.RequestCount);

        // Flat: the sampler's timer and the waiting attempt's; nothing piles up.
        Assert.True(liveTimers.Max() <= 3, "live timers: " + string.Join(",", liveTimers));
        Assert.Equal(liveTimers[20], liveTimers[^1]);

        // Flat memory: the backlog is a fixed ring; what the test itself keeps is a few hundred bytes an attempt.
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
        Assert.Contains("status 503 (ServiceUnavailable)", summaries[^1].Message, StringComparison.Ordinal);
        Assert.Equal(attempts - 5 - summaries.Count, failures.Count(r => r.Level == LogLevel.Debug));

        Assert.Equal(attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), State(recoveredLog, "Attempts"));
        Assert.Equal(LogLevel.Information, recoveredLog.Level);
        AssertHealthy(host);
    }

    [Fact]
    public async Task A_new_failure_reason_is_a_warning_at_once_even_while_identical_ones_are_summarised()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"), ("HerokuMetrics:MaxBackoff", "00:01:00"), ("HerokuMetrics:HttpTimeout", "00:00:10"));
        await host.StartAndSendFirstReportAsync();

        // Observes one failed attempt, then sets what the endpoint answers next and lets the backoff elapse.
        // The retry goes at the later of Polly's delay and the next sampling tick: in an outage no success pays for an
        // earlier one.
        async Task<FakeFailure> FailAsync(HttpStatusCode next = HttpStatusCode.ServiceUnavailable)
        {
            _ = await server.NextAsync();
            var delay = await host.Time.NextTimerAsync(d => d != HttpTimeout);
            var record = host.Logs.GetSnapshot().Last(r => r.Id.Name is "ReportFailed" or "FailuresContinuing");
            server.RespondWithStatus(next);
            host.Time.AdvanceTo(host.Time.UnpaidRetryAt(delay, Interval), Interval);
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
        // The samples that waited go out after a ramp-in gap; the endpoint fails again during that backfill.
        _ = await server.NextAsync();
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        _ = await host.WaitForLogAsync("Recovered");
        var spacing = DrainPacer.RampInGap(Interval);
        _ = await host.Time.NextTimerAsync(d => d == spacing);
        host.Time.AdvanceTo(host.Time.Elapsed + spacing, Interval);
        var again = await FailAsync();
        Assert.Equal(LogLevel.Warning, again.Level);
        Assert.Contains("Attempt 1;", again.Message, StringComparison.Ordinal);
        AssertHealthy(host);
    }

    private sealed record FakeFailure(string Name, LogLevel Level, string Message);
}
