using System.Collections.Concurrent;
using System.Globalization;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Issue 24 end to end: the real hosted service, at the library's defaults, against a loopback endpoint that fails a
/// seeded random share of requests, for two hours of fake time. What the endpoint accepted is counted: the samples, each
/// at its own <c>Measurements-Time</c>, and the GC collections they carry against the process's own count.
/// </summary>
/// <remarks>
/// GC counts are process-wide, hence the serial collection; a gen-0 collection is forced before every tick so that every
/// interval has increments to lose. The default interval is kept: the cost in real time is per request and per tick
/// (about 360 ticks and 500 to 800 requests a run), not per simulated second.
/// </remarks>
[Collection(nameof(GcCountingCollection))]
public sealed class DegradedEndpointTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = MetricsHost.DefaultInterval;
    private static readonly TimeSpan Duration = TimeSpan.FromHours(2);

    public static TheoryData<double, int> Endpoints => new()
    {
        { 0.3, 1 }, { 0.3, 2 }, { 0.3, 3 },
        { 0.5, 1 }, { 0.5, 2 }, { 0.5, 3 },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task An_endpoint_failing_a_random_share_of_requests_gets_the_samples_and_the_counts_within_the_goals(double failing, int seed)
    {
        var run = await DegradedRun.RunAsync(failing, seed, Duration);

        // Each sample at most once, each at its own time: a tick's, or the final sample's at the stop.
        Assert.Equal(run.DeliveredAt.Count, run.DeliveredAt.Distinct().Count());
        Assert.All(run.DeliveredAt, at => Assert.True(
            at == run.StoppedAt || (at > TimeSpan.Zero && at.Ticks % Interval.Ticks == 0 && at <= run.StoppedAt),
            $"a sample measured at {at}"));

        var samples = (double)run.DeliveredAt.Count / run.SamplesTaken;
        var requestsPerInterval = (double)run.Requests / (Duration / Interval);
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"q={failing} seed={seed}: {run.DeliveredAt.Count} of {run.SamplesTaken} samples, {run.CollectionsDelivered} collections delivered of {run.CollectionsBefore}..{run.CollectionsAfter}, {requestsPerInterval:F3} requests per interval");
        output.WriteLine(summary);
        if (failing <= 0.3)
        {
            // Issue 24's goals for a failure share of 0.1 to 0.3.
            Assert.True(samples >= 0.995, summary);
            Assert.True(run.CollectionsDelivered >= run.CollectionsBefore && run.CollectionsDelivered <= run.CollectionsAfter, summary);
            Assert.True(requestsPerInterval <= (1 / (1 - failing)) + 0.1, summary);
        }
        else
        {
            Assert.True(samples >= 0.90, summary);
            Assert.True(run.CollectionsDelivered >= 0.99 * run.CollectionsBefore && run.CollectionsDelivered <= run.CollectionsAfter, summary);
            Assert.True(requestsPerInterval <= 2.2, summary);
        }

        Assert.Equal(0, run.Unexpected);
    }

    /// <summary>
    /// One run, driven on fake time step by step: the clock moves only while the reporter waits (for a timer of its own,
    /// or for the next sample), to the next time something is due, so every timer fires when it would on a real clock.
    /// </summary>
    /// <remarks>
    /// What the reporter does after each step is seen (a request starts, in a handler on the library's client; a timer is
    /// made, on the clock), except a wait for the next sample, which the spec says when it happens: after a success that
    /// left nothing waiting, and when Polly's delay of a failure no success paid for ends before the next sample is taken
    /// (at the defaults it ends at the tick itself; a paid failure is logged with the initial backoff as its delay, since
    /// no Retry-After is sent here).
    /// </remarks>
    private sealed class DegradedRun
    {
        private readonly SemaphoreSlim _activity = new(0);
        private readonly ConcurrentQueue<(string MeasuredAt, bool Accepted, double Collections)> _posts = new();
        private readonly Random _endpoint;
        private readonly double _failing;
        private int _requests;
        private int _timers;
        private int _timersAtRequest;
        private volatile bool _degraded = true;

        private DegradedRun(double failing, int seed) => (_failing, _endpoint) = (failing, new Random(seed));

        private enum Loop
        {
            WaitingForSample,
            WaitingForTimer,
            Sending,
        }

        public static async Task<Result> RunAsync(double failing, int seed, TimeSpan duration)
        {
            var run = new DegradedRun(failing, seed);
            await using var server = await HerokuLikeServer.StartAsync();
            server.RespondWith(run.Answer);
            await using var host = MetricsHost.Create(
                MetricsHost.Settings(server),
                services => services.AddHerokuMetrics().AddHttpMessageHandler(() => new Probe(run)));
            host.Time.TimerCreated += () =>
            {
                _ = Interlocked.Increment(ref run._timers);
                _ = run._activity.Release();
            };

            var ledger = ProcessCounterLedger.Shared;
            var handedOutBefore = ledger.HandedOut(ProcessCounter.Gen0Collections) + ledger.HandedOut(ProcessCounter.Gen1Collections) + ledger.HandedOut(ProcessCounter.Gen2Collections);
            await host.StartAndWaitForFirstTimerAsync();
            await run.DriveAsync(host, duration);

            // The end: the endpoint answers everything, and the flush delivers the final sample and what still waits.
            run._degraded = false;
            var requests = Volatile.Read(ref run._requests);
            var stoppedAt = host.Time.Elapsed;
            var before = GC.CollectionCount(0);
            await host.Host.StopAsync();
            var after = GC.CollectionCount(0);
            _ = await host.WaitForLogAsync("Flushed");

            var accepted = run._posts.Where(p => p.Accepted).ToList();
            return new Result(
                [.. accepted.Select(p => DateTimeOffset.Parse(p.MeasuredAt, CultureInfo.InvariantCulture) - host.Time.Start)],
                SamplesTaken: (int)(stoppedAt / Interval) + 1,
                StoppedAt: stoppedAt,
                Requests: requests,
                CollectionsDelivered: accepted.Sum(p => p.Collections),
                CollectionsBefore: before - handedOutBefore,
                CollectionsAfter: after - handedOutBefore,
                Unexpected: host.Records("UnexpectedError").Count + host.Records("SamplingFailed").Count);
        }

        private Task Answer(Microsoft.AspNetCore.Http.HttpContext context, ReceivedReport report)
        {
            bool accepted;
            lock (_endpoint)
            {
                accepted = _endpoint.NextDouble() >= _failing || !_degraded;
            }

            _posts.Enqueue((report.Header("Measurements-Time")!, accepted, accepted ? report.Counter("go.gc.collections") : 0));
            context.Response.StatusCode = accepted ? 200 : 503;
            return Task.CompletedTask;
        }

        private async Task DriveAsync(MetricsHost host, TimeSpan duration)
        {
            var time = host.Time;
            var status = host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>();
            var initialBackoff = HerokuMetricsOptions.DefaultInitialBackoff.ToString();
            var state = Loop.WaitingForSample;
            var (ticks, outcomes, delivered) = (0, 0, 0);
            (TimeSpan DueAt, bool Polly, bool Unpaid, int TicksAtFailure) timer = default;
            var seen = Seen();
            for (var step = 0; step < 100_000; step++)
            {
                if (state == Loop.Sending)
                {
                    var outcome = await host.WaitForLogsAsync(++outcomes, "ReportDelivered", "ReportFailed", "FailuresContinuing");
                    if (outcome.Id.Name == "ReportDelivered")
                    {
                        // Delivery waits for the next sample only when nothing waits any more.
                        delivered++;
                        var waiting = ticks - delivered - status.Current.DroppedSamples;
                        state = waiting == 0 ? Loop.WaitingForSample : await NextAsync();
                        timer = (time.LastCreatedDueAt ?? default, false, false, 0);
                    }
                    else
                    {
                        // Polly waits the delay the line names after every failure. Its timer may have been made before the
                        // request's start was seen (a quick 503), so it is looked for by when it is due, not counted.
                        var delay = TimeSpan.Parse(outcome.GetStructuredStateValue("Delay")!, CultureInfo.InvariantCulture);
                        var dueAt = time.Elapsed + delay;
                        if (delay > TimeSpan.Zero)
                        {
                            await UntilAsync(() => time.HasTimerDueAt(dueAt), $"no timer due at {dueAt} after a failure with delay {delay}");
                            seen = Seen();
                            state = Loop.WaitingForTimer;
                        }
                        else
                        {
                            state = await NextAsync();
                        }

                        var unpaid = outcome.GetStructuredStateValue("Delay") != initialBackoff;
                        timer = (dueAt, true, unpaid, ticks);
                    }

                    continue;
                }

                // Nothing runs: move to the next time something is due, the next tick or the reporter's own timer. The run
                // ends just before the tick at its end, off any tick, so the final sample's time is its own.
                var due = time.NextDue!.Value;
                if (due >= duration)
                {
                    time.Advance(TimeSpan.FromMilliseconds(1));
                    return;
                }

                var isTick = due == time.NextTick(Interval);
                if (isTick)
                {
                    GC.Collect(0);
                }

                seen = Seen();
                time.Advance(due - time.Elapsed);
                ticks += isTick ? 1 : 0;
                if (state == Loop.WaitingForSample ? isTick : timer.DueAt <= time.Elapsed)
                {
                    // A sample woke the reporter, or its timer fired: it acts, unless Polly's delay of an unpaid failure
                    // ended before a new sample was taken (then it waits for one).
                    var waitsForSample = state == Loop.WaitingForTimer && timer.Polly && timer.Unpaid && ticks == timer.TicksAtFailure;
                    state = waitsForSample ? Loop.WaitingForSample : await NextAsync();
                    timer = (time.LastCreatedDueAt ?? default, false, false, 0);
                }
            }

            throw new InvalidOperationException("the run did not end");

            (int Requests, int Timers) Seen() => (Volatile.Read(ref _requests), Volatile.Read(ref _timers));

            async Task UntilAsync(Func<bool> condition, string what)
            {
                while (!condition())
                {
                    if (!await _activity.WaitAsync(TimeSpan.FromSeconds(20)) && !condition())
                    {
                        throw new TimeoutException($"{what}, at {time.Elapsed} after {ticks} ticks, {outcomes} outcomes.");
                    }
                }
            }

            // What the reporter did next: it started a request or made a timer.
            async Task<Loop> NextAsync()
            {
                while (true)
                {
                    var now = Seen();
                    if (now.Requests > seen.Requests)
                    {
                        // Timers made after the request started (its outcome's, on a quick answer) are still to be seen.
                        seen = (now.Requests, Volatile.Read(ref _timersAtRequest));
                        return Loop.Sending;
                    }

                    if (now.Timers > seen.Timers)
                    {
                        seen = now;
                        return Loop.WaitingForTimer;
                    }

                    if (!await _activity.WaitAsync(TimeSpan.FromSeconds(20)))
                    {
                        throw new TimeoutException($"the reporter did nothing at {time.Elapsed} after {ticks} ticks, {outcomes} outcomes; state {state}, timer {timer}, next due {time.NextDue}; its last lines:\n" + string.Join("\n", host.Logs.GetSnapshot().TakeLast(12).Select(r => r.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + " " + r.Id.Name + " " + r.Message)));
                    }
                }
            }
        }

        /// <summary>Counts the start of each request on the library's client, on the thread that sends it.</summary>
        private sealed class Probe(DegradedRun run) : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Volatile.Write(ref run._timersAtRequest, Volatile.Read(ref run._timers));
                _ = Interlocked.Increment(ref run._requests);
                _ = run._activity.Release();
                return base.SendAsync(request, cancellationToken);
            }
        }
    }

    /// <summary>What the endpoint accepted over a run, and what the process did.</summary>
    /// <param name="DeliveredAt">The steady time each accepted sample was measured at.</param>
    /// <param name="SamplesTaken">The regular samples and the final one.</param>
    /// <param name="StoppedAt">When the host stopped: the final sample's time.</param>
    /// <param name="Requests">Requests before the stop, failed ones included.</param>
    /// <param name="CollectionsDelivered">The GC collections the accepted samples carried.</param>
    /// <param name="CollectionsBefore">The process's collections since this reporter's baseline, just before the stop.</param>
    /// <param name="CollectionsAfter">The same, just after the stop (the final sample is read in between).</param>
    /// <param name="Unexpected">UnexpectedError and SamplingFailed lines.</param>
    private sealed record Result(
        IReadOnlyList<TimeSpan> DeliveredAt,
        int SamplesTaken,
        TimeSpan StoppedAt,
        int Requests,
        double CollectionsDelivered,
        double CollectionsBefore,
        double CollectionsAfter,
        int Unexpected);
}
