using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>Set-up and checks shared by the adversity tests.</summary>
internal static class Adversity
{
    /// <summary>The dyno id in every test URL: the secret that must never reach a log.</summary>
    public const string DynoId = "0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";

    /// <summary>The backoff without jitter and long enough not to be confused with any other timer.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan Interval = MetricsHost.DefaultInterval;

    /// <summary>
    /// Set below the interval, so it is exact: a request's own deadline, told apart from the sampling tick (at the default,
    /// the timeout is the interval and a regular report's deadline is that tick).
    /// </summary>
    public static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(10);

    public static Dictionary<string, string?> Settings(string url, params (string Key, string? Value)[] extra)
    {
        var settings = MetricsHost.Settings(
            url,
            ("HerokuMetrics:InitialBackoff", "00:00:05"),
            ("HerokuMetrics:MaxBackoff", "00:10:00"),
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:HttpTimeout", "00:00:10"));
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public static string State(FakeLogRecord record, string key) =>
        record.GetStructuredStateValue(key) ?? throw new InvalidOperationException($"No '{key}' in {record.Message}");

    /// <summary>
    /// The reporter is still alive and keeps to the retry budget: after a failure no success paid for (the first request
    /// after a tick, as at the start of any outage), Polly's backoff timer exists, and the retry goes at the next sampling
    /// tick, not when the backoff ends.
    /// </summary>
    /// <remarks>
    /// The clock stops first where the backoff ends, then at the tick: a retry made when the backoff ended would be logged
    /// before the tick, so the retry's line is checked to be stamped at the tick.
    /// </remarks>
    public static async Task AssertRetriedAtNextTickAsync(MetricsHost host, int failuresSoFar)
    {
        var failedAt = host.Time.Elapsed;
        var tick = host.Time.NextTick(Interval);
        Assert.True(failedAt + Backoff < tick, "the backoff must end before the tick for the test to tell them apart");
        await host.Time.WaitForTimerAsync(Backoff);
        host.Time.Advance(Backoff);
        host.Time.AdvanceTo(tick, Interval);
        var retried = await host.WaitForLogAsync("ReportFailed", failuresSoFar + 1);
        Assert.Equal(host.Time.Start + tick, retried.Timestamp);
        AssertHealthy(host);
    }

    /// <summary>Nothing escaped the reporting loop and no log record carries the secret.</summary>
    public static void AssertHealthy(MetricsHost host)
    {
        var records = host.Logs.GetSnapshot();
        Assert.DoesNotContain(records, r => r.Id.Name == "UnexpectedError");
        foreach (var record in records)
        {
            Assert.DoesNotContain(DynoId, record.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(DynoId, record.Exception?.ToString() ?? string.Empty, StringComparison.OrdinalIgnoreCase);
            foreach (var pair in record.StructuredState ?? [])
            {
                Assert.DoesNotContain(DynoId, pair.Value ?? string.Empty, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    public static int Count(MetricsHost host, string eventName, LogLevel? level = null) =>
        host.Logs.GetSnapshot().Count(r => r.Id.Name == eventName && (level is null || r.Level == level));
}
