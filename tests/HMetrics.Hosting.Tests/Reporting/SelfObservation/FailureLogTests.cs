using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace HMetrics.Hosting.Tests.Reporting.SelfObservation;

/// <summary>What an outage logs: the first failures, a summary an hour, a change of reason at once, the drops once.</summary>
public sealed class FailureLogTests
{
    private readonly FakeLogger _logger = new();
    private readonly FakeTimeProvider _time = new();

    private IReadOnlyList<FakeLogRecord> Records => _logger.Collector.GetSnapshot();

    [Fact]
    public void The_first_five_failures_are_warnings_then_repeats_are_debug_with_an_hourly_summary()
    {
        var log = new FailureLog(new SafeLogger(_logger), _time);
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            log.Failed("https://host/metrics/redacted", "status 503", attempt, TimeSpan.FromSeconds(30));
            _time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(Enumerable.Repeat(LogLevel.Warning, 5).Concat(Enumerable.Repeat(LogLevel.Debug, 3)), Records.Select(r => r.Level));

        _time.Advance(TimeSpan.FromHours(1));
        log.Failed("https://host/metrics/redacted", "status 503", 9, TimeSpan.FromSeconds(30));
        Assert.Equal(("FailuresContinuing", LogLevel.Warning), (Records[^1].Id.Name, Records[^1].Level));

        log.Failed("https://host/metrics/redacted", "status 500", 10, TimeSpan.FromSeconds(30));
        Assert.Equal(("ReportFailed", LogLevel.Warning), (Records[^1].Id.Name, Records[^1].Level));
    }

    [Fact]
    public void Drops_are_summed_and_logged_once_when_the_outage_ends()
    {
        var log = new FailureLog(new SafeLogger(_logger), _time);
        var t0 = _time.GetUtcNow();
        log.Dropped(2, t0.AddSeconds(40), t0.AddSeconds(60), DropReason.Expired);
        log.Dropped(1, t0.AddSeconds(20), t0.AddSeconds(20), DropReason.Expired);
        Assert.Empty(Records);

        log.Recovered("https://host/metrics/redacted", failures: 12, TimeSpan.FromMinutes(5));
        log.Recovered("https://host/metrics/redacted", failures: 0, TimeSpan.Zero);

        Assert.Equal(["Recovered", "SamplesDropped"], Records.Select(r => r.Id.Name));
        var dropped = Records[1];
        Assert.Equal("3", dropped.GetStructuredStateValue("Count"));
        // ISO 8601 UTC, whatever the culture: the same form as Measurements-Time.
        Assert.Contains("between 2000-01-01T00:00:20.000Z and 2000-01-01T00:01:00.000Z", dropped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drops_of_different_reasons_are_one_line_each_saying_why()
    {
        var log = new FailureLog(new SafeLogger(_logger), _time);
        var t0 = _time.GetUtcNow();
        log.Dropped(2, t0.AddSeconds(20), t0.AddSeconds(40), DropReason.Expired);
        log.Dropped(3, t0.AddSeconds(60), t0.AddSeconds(100), DropReason.Shutdown);

        log.ReportDropped();
        log.ReportDropped();

        Assert.Equal(2, Records.Count);
        Assert.Contains("2 samples", Records[0].Message, StringComparison.Ordinal);
        Assert.Contains("no longer accepts measurements that old", Records[0].Message, StringComparison.Ordinal);
        Assert.Contains("3 samples", Records[1].Message, StringComparison.Ordinal);
        Assert.Contains("the host stopped before the endpoint took them", Records[1].Message, StringComparison.Ordinal);
    }
}
