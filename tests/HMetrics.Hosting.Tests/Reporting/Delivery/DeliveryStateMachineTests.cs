using System.Net;
using HMetrics.Hosting.Tests.Helpers;

namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// The delay the retry budget hands Polly for a failure (docs/behaviour.md, "Failures"): the initial backoff for a paid
/// retry; Polly's own when <c>MaxBackoff</c> is longer than <c>PostInterval</c>; otherwise exactly the wait for the next
/// sampling tick, counted from the newest sample taken, never negative.
/// </summary>
public sealed class DeliveryStateMachineTests
{
    private static readonly DateTimeOffset Wall = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan[] Intervals = [.. new[] { 0.05, 1, 5, 20, 60 }.Select(TimeSpan.FromSeconds)];

    private static ReportFailedException Status500 => new("status 500", "http_5xx", HttpStatusCode.InternalServerError, null);

    private static ReporterSettings Settings(TimeSpan interval, TimeSpan initialBackoff, TimeSpan maxBackoff)
    {
        var options = new HerokuMetricsOptions
        {
            Endpoint = "https://metrics.example/metrics/x",
            PostInterval = interval,
            InitialBackoff = initialBackoff,
            MaxBackoff = maxBackoff,
            BackoffJitter = TimeSpan.Zero,
        };
        Assert.True(ReporterSettings.TryCreate(options, null, out var settings));
        return settings!;
    }

    // Backoff settings for one generated case: a cap no longer than the interval (the defaults' shape), and one longer.
    private static (ReporterSettings AtMostInterval, ReporterSettings LongCap) SettingsPair(Random random, TimeSpan interval)
    {
        var initial = interval * (0.01 + (random.NextDouble() * 0.49));
        return (Settings(interval, initial, interval * (0.5 + (random.NextDouble() * 0.5))), Settings(interval, initial, interval * (1.01 + random.NextDouble())));
    }

    [Fact]
    public void An_unpaid_failure_waits_exactly_for_the_next_tick_after_the_newest_sample_and_never_a_negative_time()
    {
        var random = new Random(20261125);
        for (var i = 0; i < 500; i++)
        {
            var interval = Intervals[random.Next(Intervals.Length)];
            var (atMostInterval, longCap) = SettingsPair(random, interval);

            // One to three samples waiting (what an outage leaves behind the head), the head sent as the newest is
            // taken; the attempt fails any time up to one and a half intervals later (a timeout, a connection found dead).
            var reporter = new Reporter(interval, i);
            var first = interval * (1 + random.Next(10));
            var samples = 1 + random.Next(3);
            for (var s = 0; s < samples; s++)
            {
                reporter.Take(first + (interval * s));
            }

            var newest = first + (interval * (samples - 1));
            var failedAt = reporter.SendNext(newest, atMostInterval) + (interval * random.NextDouble() * 1.5);
            Assert.True(reporter.Machine.Failed(failedAt, Status500));

            // The first request after a tick: no success paid for it.
            Assert.False(reporter.Machine.RetryPaid);
            var untilTick = newest + interval - failedAt;
            Assert.Equal(untilTick > TimeSpan.Zero ? untilTick : TimeSpan.Zero, reporter.Machine.RetryDelay(atMostInterval));

            // A cap longer than the interval: Polly's own delay stands (it may outlast the wait for the tick).
            Assert.Null(reporter.Machine.RetryDelay(longCap));
        }
    }

    [Fact]
    public void A_retry_a_success_paid_for_waits_the_initial_backoff_whatever_the_cap()
    {
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var interval = Intervals[random.Next(Intervals.Length)];
            var (atMostInterval, longCap) = SettingsPair(random, interval);

            // Two samples wait; the first is delivered while the second is the newest (a token for it), then the second
            // fails, however late.
            var reporter = new Reporter(interval, i);
            reporter.Take(interval);
            reporter.Take(2 * interval);
            var sentAt = reporter.SendNext(2 * interval, atMostInterval);
            reporter.Machine.Delivered(sentAt + (interval * random.NextDouble() * 0.5), 202, 4);
            var failedAt = reporter.SendNext(sentAt, atMostInterval) + (interval * random.NextDouble());
            Assert.True(reporter.Machine.Failed(failedAt, Status500));

            Assert.True(reporter.Machine.RetryPaid);
            Assert.Equal(atMostInterval.InitialBackoff, reporter.Machine.RetryDelay(atMostInterval));
            Assert.Equal(longCap.InitialBackoff, reporter.Machine.RetryDelay(longCap));

            // The token is spent: the retry goes at once after the backoff, fails too, and is no longer paid.
            var retriedAt = failedAt + atMostInterval.InitialBackoff;
            Assert.Equal(retriedAt, reporter.SendNext(retriedAt, atMostInterval));
            Assert.True(reporter.Machine.Failed(retriedAt, Status500));
            Assert.False(reporter.Machine.RetryPaid);
            Assert.Null(reporter.Machine.RetryDelay(longCap));
        }
    }

    [Fact]
    public void At_the_defaults_an_unpaid_failure_waits_for_the_tick_and_a_paid_one_one_second()
    {
        // MaxBackoff 20 s = PostInterval 20 s, InitialBackoff 1 s: the figures the contract quotes.
        Assert.True(ReporterSettings.TryCreate(new HerokuMetricsOptions { Endpoint = "https://metrics.example/metrics/x" }, null, out var defaults));
        Assert.Equal(defaults!.PostInterval, defaults.MaxBackoff);
        var reporter = new Reporter(defaults.PostInterval, 1);
        reporter.Take(TimeSpan.FromSeconds(20));
        reporter.Take(TimeSpan.FromSeconds(40));

        _ = reporter.SendNext(TimeSpan.FromSeconds(40), defaults);
        Assert.True(reporter.Machine.Failed(TimeSpan.FromSeconds(46.5), Status500));
        Assert.Equal(TimeSpan.FromSeconds(13.5), reporter.Machine.RetryDelay(defaults));

        // The retry waits for the sample of 60 s, goes with it, and succeeds; the next POST fails, paid by that success.
        reporter.Take(TimeSpan.FromSeconds(60));
        Assert.Equal(TimeSpan.FromSeconds(60), reporter.SendNext(TimeSpan.FromSeconds(60), defaults));
        reporter.Machine.Delivered(TimeSpan.FromSeconds(60.2), 202, 4);
        _ = reporter.SendNext(TimeSpan.FromSeconds(60.2), defaults);
        Assert.True(reporter.Machine.Failed(TimeSpan.FromSeconds(75), Status500));
        Assert.Equal(TimeSpan.FromSeconds(1), reporter.Machine.RetryDelay(defaults));
    }

    /// <summary>A backlog and the state machine that owns its delivery, driven as the delivery loop drives them.</summary>
    private sealed class Reporter
    {
        private readonly SampleBacklog _backlog;
        private readonly TimeSpan _interval;

        public Reporter(TimeSpan interval, int seed)
        {
            _interval = interval;
            _backlog = new SampleBacklog(interval);
            Machine = new DeliveryStateMachine(_backlog, new RecordingObserver(), new Random(seed));
        }

        public DeliveryStateMachine Machine { get; }

        public void Take(TimeSpan takenAt) =>
            _backlog.Add(Wall + takenAt, takenAt, static (sample, interval) => sample.Interval = interval, _interval);

        // What the loop does up to the next POST: it waits what the machine says and begins a new run at the all-clear.
        // Returns when the POST goes.
        public TimeSpan SendNext(TimeSpan now, ReporterSettings settings)
        {
            for (var asked = 0; asked < 10; asked++)
            {
                var decision = Machine.Next(now, settings);
                switch (decision.Action)
                {
                    case DeliveryAction.Send:
                        return now;
                    case DeliveryAction.Wait:
                        now += decision.Delay;
                        break;
                    case DeliveryAction.AllClear:
                        Machine.BeginRun(now);
                        break;
                    default:
                        throw new InvalidOperationException($"nothing to send at {now}");
                }
            }

            throw new InvalidOperationException("the machine never sent");
        }
    }
}
