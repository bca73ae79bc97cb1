using System.Net;
using HMetrics.Hosting.Http;
using HMetrics.Hosting.Options;
using HMetrics.Hosting.Reporting.Delivery;
using HMetrics.Hosting.Reporting.Sampling;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>How a dyno retries and what it delivers after an outage.</summary>
internal abstract record DeliveryPolicy(string Name);

/// <summary>
/// The library's delivery, run by its own types: the real <c>SampleBacklog</c> and <c>DeliveryStateMachine</c> (expiry,
/// pacing, the all-clear, what a success or a failure means) under the library's settings, with Polly's own delays
/// between failures.
/// </summary>
/// <param name="Settings">The library's settings for the policy's options, as the reporter would run with them.</param>
internal sealed record BacklogPolicy(string Name, ReporterSettings Settings, PollyDelays Delays) : DeliveryPolicy(Name);

/// <summary>
/// The delivery before this branch: a report every interval; a failure ends the run and a hand-written doubling from
/// InitialBackoff to MaxBackoff plus 0–0.5 s of uniform jitter delays the next; the restarted run first posts one
/// catch-up report with every counter since the last success, stamped now.
/// </summary>
internal sealed record CatchUpPolicy(string Name, TimeSpan MaxBackoff, TimeSpan Jitter) : DeliveryPolicy(Name);

/// <summary>What one scenario did to the endpoint and to the charts, for one policy.</summary>
internal sealed record FleetResult(
    Scenario Scenario,
    DeliveryPolicy Policy,
    int Dynos,
    double SteadyRate,
    int PeakPerSecond,
    double PeakAt,
    int PeakWhileDown,
    double PeakWhileDownAt,
    int MostAttempts,
    long Deliverable,
    long Delivered,
    long AtRiskDeliverable,
    long AtRiskDelivered,
    long Requests,
    long Wasted,
    long SentPastMaxAge)
{
    /// <summary>
    /// Gets the busiest 1-s bin over the steady rate (dynos ÷ interval): in the recovery windows when the scenario has
    /// outages, else over the whole run.
    /// </summary>
    public double PeakRatio => PeakPerSecond / SteadyRate;

    /// <summary>Gets the busiest 1-s bin while the endpoint is down (retries) over the steady rate.</summary>
    public double PeakWhileDownRatio => PeakWhileDown / SteadyRate;

    /// <summary>Gets the share of deliverable samples delivered at their own time.</summary>
    public double DeliveredShare => Deliverable == 0 ? 1 : (double)Delivered / Deliverable;

    /// <summary>Gets the same share over the samples whose acceptance window meets an outage.</summary>
    public double AtRiskShare => AtRiskDeliverable == 0 ? 1 : (double)AtRiskDelivered / AtRiskDeliverable;

    /// <summary>Gets the requests that met a down endpoint, per dyno per hour.</summary>
    public double WastedPerDynoHour => Wasted / (double)Dynos / (Scenario.Horizon / 3600);
}

/// <summary>
/// Runs a fleet of independent dynos on simulated time against a scenario's endpoint.
/// </summary>
/// <remarks>
/// The endpoint's state depends on the clock only, so each dyno's timeline is computed on its own, event by event, and
/// the fleet is the sum of their requests in 1-s bins. A request takes no time (a down endpoint refuses at once; a
/// hanging one would only spread the retries further).
/// </remarks>
internal sealed class FleetSimulator(int dynos, TimeSpan postInterval, TimeSpan initialBackoff, TimeSpan backoffResetAfter, int seed)
{
    private readonly double _interval = postInterval.TotalSeconds;
    private readonly double _maxAge = LibraryPolicy.MaxAge.TotalSeconds;
    private readonly TimeSpan _postInterval = postInterval;
    private static readonly ReportFailedException Down = new("status 503 (ServiceUnavailable)", "http_5xx", HttpStatusCode.ServiceUnavailable, retryAfter: null);
    private readonly double _initialBackoff = initialBackoff.TotalSeconds;
    private readonly double _resetAfter = backoffResetAfter.TotalSeconds;
    private readonly Dictionary<Scenario, (long, long)> _deliverable = [];

    public FleetResult Run(Scenario scenario, DeliveryPolicy policy)
    {
        var tally = new Tally(scenario, (int)Math.Ceiling(scenario.Horizon) + 1);
        var phases = new Random(seed);
        var draws = new Random(seed + 1);
        var jitter = new Random(seed + 2);
        var spacingDraws = new Random(seed + 3);
        var backlog = new SampleBacklog(_postInterval);
        for (var d = 0; d < dynos; d++)
        {
            // The first SynchronizedStarts dynos start within the same second; the others at a random phase.
            var start = d < scenario.SynchronizedStarts ? phases.NextDouble() : phases.NextDouble() * _interval;
            switch (policy)
            {
                case BacklogPolicy backlogFor:
                    RunBacklog(scenario, backlog, start, backlogFor, draws, spacingDraws, tally);
                    break;
                case CatchUpPolicy catchUp:
                    RunCatchUp(scenario, catchUp, start, jitter, tally);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(policy));
            }
        }

        // Ignore the first two intervals: the fleet is still starting. With outages, "at recovery" is any second the
        // endpoint is up after an outage has begun (a dyno may notice the recovery only MaxBackoff later).
        var (peak, peakAt, down, downAt) = (0, 0.0, 0, 0.0);
        for (var second = (int)(2 * _interval); second < (int)scenario.Horizon; second++)
        {
            var bin = tally.Bins[second];
            if (!scenario.IsUp(second))
            {
                (down, downAt) = bin > down ? (bin, second) : (down, downAt);
            }
            else if ((scenario.Down.Length == 0 || IsRecovering(scenario, second)) && bin > peak)
            {
                (peak, peakAt) = (bin, second);
            }
        }

        var (deliverable, atRisk) = CountDeliverable(scenario);
        return new FleetResult(
            scenario,
            policy,
            dynos,
            dynos / _interval,
            peak,
            peakAt,
            down,
            downAt,
            tally.MostAttempts,
            deliverable,
            tally.Delivered,
            atRisk,
            tally.AtRiskDelivered,
            tally.Requests,
            tally.Wasted,
            tally.SentPastMaxAge);
    }

    /// <summary>The deliverable samples of the fleet (and those an outage puts at risk): the same for every policy.</summary>
    public (long Deliverable, long AtRisk) CountDeliverable(Scenario scenario)
    {
        lock (_deliverable)
        {
            if (_deliverable.TryGetValue(scenario, out var counted))
            {
                return counted;
            }
        }

        var phases = new Random(seed);
        var (deliverable, atRisk) = (0L, 0L);
        for (var d = 0; d < dynos; d++)
        {
            var start = d < scenario.SynchronizedStarts ? phases.NextDouble() : phases.NextDouble() * _interval;
            for (var m = start + _interval; m + _maxAge <= scenario.Horizon; m += _interval)
            {
                if (scenario.IsDeliverable(m, _maxAge))
                {
                    deliverable++;
                    atRisk += scenario.IsAtRisk(m, _maxAge) ? 1 : 0;
                }
            }
        }

        lock (_deliverable)
        {
            _deliverable[scenario] = (deliverable, atRisk);
        }

        return (deliverable, atRisk);
    }

    private bool IsRecovering(Scenario scenario, int second)
    {
        for (var i = 0; i < scenario.Down.Length; i++)
        {
            var end = scenario.Down[i].To;
            var until = i + 1 < scenario.Down.Length ? scenario.Down[i + 1].From : double.MaxValue;
            if (second >= end && second < until)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One dyno: the sampler's schedule and the delivery loop's shell are played here on simulated time; every decision is
    /// the library's <c>DeliveryStateMachine</c>'s, over the library's <c>SampleBacklog</c>.
    /// </summary>
    private void RunBacklog(Scenario scenario, SampleBacklog backlog, double start, BacklogPolicy policy, Random draws, Random spacingDraws, Tally tally)
    {
        // The library's own time: TimeSpan ticks from here on, so a run that lasted exactly BackoffResetAfter is all clear
        // exactly then, as in the library, not on whichever side floating-point noise puts it.
        var horizon = At(scenario.Horizon);
        _ = backlog.Clear();
        var machine = new DeliveryStateMachine(backlog, SilentObserver.Instance, spacingDraws);
        var settings = policy.Settings;
        var t = At(start);
        var nextSample = t + _postInterval;

        // One Polly execution: its delays and its attempt count.
        var delays = policy.Delays.Draw(draws);
        var attempt = 0;
        machine.BeginRun(t);
        while (true)
        {
            TakeDueSamples(ref nextSample, t, horizon, backlog);
            if (t >= horizon)
            {
                return;
            }

            var decision = machine.Next(t, settings);
            switch (decision.Action)
            {
                case DeliveryAction.WaitForSample:
                    t = nextSample;
                    continue;
                case DeliveryAction.AllClear:
                    // The execution ends and the next one starts Polly's attempt count (and its jitter) afresh.
                    delays = policy.Delays.Draw(draws);
                    attempt = 0;
                    machine.BeginRun(t);
                    continue;
                case DeliveryAction.Wait:
                    t += decision.Delay;
                    continue;
            }

            var measuredAt = decision.Sample!.TakenAt.TotalSeconds;
            var seconds = t.TotalSeconds;
            tally.Request(seconds);
            if (scenario.IsUp(seconds))
            {
                tally.Deliver(measuredAt, seconds);
                machine.Delivered(t, 200, 4);
                continue;
            }

            tally.Wasted++;
            _ = machine.Failed(t, Down);
            if (attempt >= delays.Length)
            {
                throw new InvalidOperationException($"A Polly execution ran past the {delays.Length} precomputed attempts: raise the pool's length.");
            }

            // The callback throws; Polly waits its delay and calls it again: a new run.
            var delay = At(delays[attempt++]);
            machine.Retrying(Down.Kind, Down.Message, delay);
            t += delay;
            tally.MostAttempts = Math.Max(tally.MostAttempts, attempt);
            machine.BeginRun(t);
        }
    }

    /// <summary>The sampler: every sample due by <paramref name="t"/> enters the backlog (a full one makes room itself).</summary>
    private void TakeDueSamples(ref TimeSpan nextSample, TimeSpan t, TimeSpan horizon, SampleBacklog backlog)
    {
        while (nextSample <= t && nextSample < horizon)
        {
            _ = backlog.Add(DateTimeOffset.UnixEpoch + nextSample, nextSample, static (sample, interval) => sample.Interval = interval, _postInterval);
            nextSample += _postInterval;
        }
    }

    /// <summary>Simulated seconds on the library's steady clock, to the tick (100 ns) its waits have.</summary>
    private static TimeSpan At(double seconds) => TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    /// <summary>The delivery before this branch, one dyno.</summary>
    private void RunCatchUp(Scenario scenario, CatchUpPolicy policy, double start, Random jitter, Tally tally)
    {
        var horizon = scenario.Horizon;
        var max = policy.MaxBackoff.TotalSeconds;
        var lastSuccess = start;
        var runStarted = start;
        var step = 0;
        var t = start + _interval;
        while (t < horizon)
        {
            tally.Request(t);
            if (scenario.IsUp(t))
            {
                // A report covers every counter since the last success, stamped now. Only a regular one (one interval)
                // puts its sample in its own minute; a catch-up lands the whole gap in one minute.
                if (t - lastSuccess <= _interval + 1e-6)
                {
                    var first = (long)Math.Floor(((lastSuccess - start) / _interval) + 1e-9) + 1;
                    var last = (long)Math.Floor(((t - start) / _interval) + 1e-9);
                    for (var k = first; k <= last; k++)
                    {
                        tally.Deliver(start + (k * _interval), t);
                    }
                }

                lastSuccess = t;
                t += _interval;
                continue;
            }

            tally.Wasted++;

            // BackoffSchedule.NextDelay as it was: reset after a long run, doubling capped, jitter only below the cap.
            if (t - runStarted >= _resetAfter)
            {
                step = 0;
            }

            var exponential = _initialBackoff;
            for (var i = 0; i < step && exponential < max; i++)
            {
                exponential *= 2;
            }

            if (exponential < max)
            {
                step++;
            }

            var delay = exponential >= max ? max : Math.Min(max, exponential + (policy.Jitter.TotalSeconds * jitter.NextDouble()));

            // The restarted run reports at once, then keeps an interval cadence from its own start.
            runStarted = t + delay;
            t = runStarted;
        }
    }

    private sealed class Tally(Scenario scenario, int seconds)
    {
        private readonly double _maxAge = LibraryPolicy.MaxAge.TotalSeconds;
        private readonly double _window = LibraryPolicy.AcceptanceWindow.TotalSeconds;

        public int[] Bins { get; } = new int[seconds];

        public long Requests { get; private set; }

        public long Wasted { get; set; }

        public long Delivered { get; private set; }

        public int MostAttempts { get; set; }

        public long AtRiskDelivered { get; private set; }

        /// <summary>Gets the successful POSTs of a sample older than <c>MaxAge</c>: the pacing's wait must never make one.</summary>
        public long SentPastMaxAge { get; private set; }

        public void Request(double t)
        {
            Bins[(int)t]++;
            Requests++;
        }

        /// <summary>
        /// A sample measured at <paramref name="measuredAt"/> reached the endpoint at <paramref name="sentAt"/> with its
        /// own time: delivered if the endpoint still accepts it. (The backlog drops a sample past MaxAge before it is
        /// taken; a paced one is never older when sent than the one before it, since no gap exceeds an interval.)
        /// </summary>
        public void Deliver(double measuredAt, double sentAt)
        {
            // A millisecond of slack: the gaps are whole milliseconds, the sample times are not.
            if (sentAt - measuredAt > _maxAge + 1e-3)
            {
                SentPastMaxAge++;
            }

            if (measuredAt + _maxAge > scenario.Horizon || sentAt - measuredAt > _window)
            {
                return;
            }

            Delivered++;
            if (scenario.IsAtRisk(measuredAt, _maxAge))
            {
                AtRiskDelivered++;
            }
        }
    }
}
