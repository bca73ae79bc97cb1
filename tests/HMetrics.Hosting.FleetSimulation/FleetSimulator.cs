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
    Peak Overall,
    Peak AtRecovery,
    Peak WhileDown,
    int MostAttempts,
    long Deliverable,
    long Delivered,
    long AtRiskDeliverable,
    long AtRiskDelivered,
    long UnitsBorn,
    long UnitsDelivered,
    long Requests,
    long Wasted,
    long SentPastMaxAge)
{
    /// <summary>Gets the busiest 1-s bin over the steady rate (dynos ÷ interval), after the first two intervals.</summary>
    public double PeakRatio => Overall.Requests / SteadyRate;

    /// <summary>Gets the busiest 1-s bin while the endpoint is up after an outage began, over the steady rate.</summary>
    public double RecoveryRatio => AtRecovery.Requests / SteadyRate;

    /// <summary>Gets the busiest 1-s bin while the endpoint is down (retries), over the steady rate.</summary>
    public double WhileDownRatio => WhileDown.Requests / SteadyRate;

    /// <summary>Gets the share of deliverable samples delivered at their own time.</summary>
    public double DeliveredShare => Deliverable == 0 ? 1 : (double)Delivered / Deliverable;

    /// <summary>Gets the same share over the samples whose acceptance window meets an outage.</summary>
    public double AtRiskShare => AtRiskDeliverable == 0 ? 1 : (double)AtRiskDelivered / AtRiskDeliverable;

    /// <summary>Gets the share of counter increments delivered, in whatever sample carried them.</summary>
    public double UnitsShare => UnitsBorn == 0 ? 1 : (double)UnitsDelivered / UnitsBorn;

    /// <summary>Gets the requests that met a down or failing endpoint, per dyno per hour.</summary>
    public double WastedPerDynoHour => Wasted / (double)Dynos / (Scenario.Horizon / 3600);

    /// <summary>Gets the requests of one dyno per interval, averaged over the run.</summary>
    public double RequestsPerInterval => Requests / (double)Dynos / (Scenario.Horizon / (Dynos / SteadyRate));
}

/// <summary>The busiest second of a kind: how many requests the endpoint got in it, and when.</summary>
internal readonly record struct Peak(int Requests, int At);

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

    public FleetResult Run(Scenario scenario, DeliveryPolicy policy)
    {
        var tally = new Tally(scenario, (int)Math.Ceiling(scenario.Horizon) + 1);
        var phases = Stream(seed, 0);
        var draws = Stream(seed, 1);
        var jitter = Stream(seed, 2);
        var spacingDraws = Stream(seed, 3);
        var coin = Stream(seed, 4);
        var firstPhases = Stream(seed, 5);
        var backlog = new SampleBacklog(_postInterval);
        for (var d = 0; d < dynos; d++)
        {
            // The first SynchronizedStarts dynos start within the same second; the others at a random phase.
            var start = d < scenario.SynchronizedStarts ? phases.NextDouble() : phases.NextDouble() * _interval;
            switch (policy)
            {
                case BacklogPolicy backlogFor:
                    RunBacklog(scenario, backlog, start, new StartPhase(firstPhases.NextDouble), backlogFor, draws, spacingDraws, coin, tally);
                    break;
                case CatchUpPolicy catchUp:
                    RunCatchUp(scenario, catchUp, start, jitter, coin, tally);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(policy));
            }
        }

        // Ignore the first two intervals: the fleet is still starting. "At recovery" is any second the endpoint is up
        // after an outage has begun (a dyno may notice the recovery only MaxBackoff later).
        Peak overall = default, recovery = default, down = default;
        for (var second = (int)(2 * _interval); second < (int)scenario.Horizon; second++)
        {
            var bin = tally.Bins[second];
            overall = bin > overall.Requests ? new Peak(bin, second) : overall;
            if (scenario.IsDown(second))
            {
                down = bin > down.Requests ? new Peak(bin, second) : down;
            }
            else if (scenario.IsRecovering(second))
            {
                recovery = bin > recovery.Requests ? new Peak(bin, second) : recovery;
            }
        }

        return new FleetResult(
            scenario,
            policy,
            dynos,
            dynos / _interval,
            overall,
            recovery,
            down,
            tally.MostAttempts,
            tally.Deliverable,
            tally.Delivered,
            tally.AtRisk,
            tally.AtRiskDelivered,
            tally.UnitsBorn,
            tally.UnitsDelivered,
            tally.Requests,
            tally.Wasted,
            tally.SentPastMaxAge);
    }

    /// <summary>
    /// One dyno: the sampler's schedule and the delivery loop's shell are played here on simulated time; every decision is
    /// the library's <c>DeliveryStateMachine</c>'s, over the library's <c>SampleBacklog</c>.
    /// </summary>
    private void RunBacklog(Scenario scenario, SampleBacklog backlog, double start, StartPhase phase, BacklogPolicy policy, Random draws, Random spacingDraws, Random coin, Tally tally)
    {
        // The library's own time: TimeSpan ticks from here on, so a run that lasted exactly BackoffResetAfter is all clear
        // exactly then, as in the library, not on whichever side floating-point noise puts it.
        var horizon = At(scenario.Horizon);
        _ = backlog.Clear();
        var machine = new DeliveryStateMachine(backlog, SilentObserver.Instance, spacingDraws);
        var settings = policy.Settings;
        var t = At(start);
        var origin = t;
        var schedule = new SampleSchedule(_postInterval, phase.FirstDue(_postInterval));

        // One Polly execution: its delays and its attempt count.
        var delays = policy.Delays.Draw(draws);
        var attempt = 0;
        machine.BeginRun(t);
        while (true)
        {
            TakeDueSamples(schedule, origin, t, horizon, backlog, tally);
            if (t >= horizon)
            {
                return;
            }

            var decision = machine.Next(t, settings);
            switch (decision.Action)
            {
                case DeliveryAction.WaitForSample:
                    t = origin + schedule.NextDue;
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
            var units = (long)decision.Sample.Counters[0];
            var seconds = t.TotalSeconds;
            tally.Request(seconds);
            if (scenario.Accepts(seconds, coin))
            {
                tally.Deliver(measuredAt, seconds, units);
                machine.Delivered(t, 200, 4);
                continue;
            }

            tally.Wasted++;
            _ = machine.Failed(t, Down);
            // The callback throws; Polly waits its delay and calls it again: a new run. Past the precomputed attempts Polly's
            // delay is at its cap: the last one stands in for it.
            var polly = At(delays[Math.Min(attempt++, delays.Length - 1)]);
            var delay = DeliveryRetry.Override(Down, machine.RetryDelay(settings), settings) ?? polly;
            machine.Retrying(Down.Kind, Down.Message, delay);
            t += delay;
            tally.MostAttempts = Math.Max(tally.MostAttempts, attempt);
            machine.BeginRun(t);
        }
    }

    /// <summary>
    /// The sampler: every sample due by <paramref name="t"/> enters the backlog (a full one makes room itself), carrying one
    /// unit of counter increments, so the table can count increments whichever sample delivers them.
    /// </summary>
    private void TakeDueSamples(SampleSchedule schedule, TimeSpan origin, TimeSpan t, TimeSpan horizon, SampleBacklog backlog, Tally tally)
    {
        for (var nextSample = origin + schedule.NextDue; nextSample <= t && nextSample < horizon; nextSample = origin + schedule.NextDue)
        {
            _ = backlog.Add(DateTimeOffset.UnixEpoch + nextSample, nextSample, static (sample, interval) =>
            {
                sample.Interval = interval;
                Array.Clear(sample.Counters);
                sample.Counters[0] = 1;
            }, _postInterval);
            tally.Born(nextSample.TotalSeconds);
            schedule.Taken(nextSample - origin);
        }
    }

    /// <summary>
    /// A seeded generator for one stream of draws, its seed mixed by SplitMix64 from the run's seed and the stream's number.
    /// </summary>
    /// <remarks>
    /// Seeded <see cref="Random"/> sequences are affine in the seed: with seeds <c>s</c> and <c>s + 5</c>, the start time
    /// drawn from one stream minus the first phase drawn from the other came out the same whatever <c>s</c> was, so the
    /// fleet's tick phases, and every steady-state figure, did not change with <c>FLEET_SEED</c>.
    /// </remarks>
    internal static Random Stream(int seed, int stream)
    {
        var z = unchecked(((ulong)(uint)seed << 32 | (uint)stream) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return new Random((int)((z ^ (z >> 31)) & int.MaxValue));
    }

    /// <summary>Simulated seconds on the library's steady clock, to the tick (100 ns) its waits have.</summary>
    private static TimeSpan At(double seconds) => TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    /// <summary>The delivery before this branch, one dyno.</summary>
    private void RunCatchUp(Scenario scenario, CatchUpPolicy policy, double start, Random jitter, Random coin, Tally tally)
    {
        var horizon = scenario.Horizon;
        var max = policy.MaxBackoff.TotalSeconds;
        var lastSuccess = start;
        var runStarted = start;
        var step = 0;
        for (var m = start + _interval; m < horizon; m += _interval)
        {
            tally.Born(m);
        }

        var t = start + _interval;
        while (t < horizon)
        {
            tally.Request(t);
            if (scenario.Accepts(t, coin))
            {
                // A report covers every counter since the last success, stamped now: all of it is delivered, but only a
                // regular one (one interval) puts its sample in its own minute; a catch-up lands the gap in one minute.
                var first = (long)Math.Floor(((lastSuccess - start) / _interval) + 1e-9) + 1;
                var last = (long)Math.Floor(((t - start) / _interval) + 1e-9);
                var regular = t - lastSuccess <= _interval + 1e-6;
                for (var k = first; k <= last; k++)
                {
                    tally.Deliver(start + (k * _interval), t, units: 1, atOwnTime: regular);
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

        /// <summary>Gets the units of counter increments born (one per sample) whose sample the table counts.</summary>
        public long UnitsBorn { get; private set; }

        /// <summary>Gets the units the endpoint received, in whatever sample carried them.</summary>
        public long UnitsDelivered { get; private set; }

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
        public long Deliverable { get; private set; }

        public long AtRisk { get; private set; }

        /// <summary>A sample was taken: one unit of counter increments, and a deliverable sample if the endpoint can take it in time.</summary>
        public void Born(double measuredAt)
        {
            if (measuredAt + _maxAge > scenario.Horizon)
            {
                return;
            }

            UnitsBorn++;
            if (scenario.IsDeliverable(measuredAt, _maxAge))
            {
                Deliverable++;
                AtRisk += scenario.IsAtRisk(measuredAt, _maxAge) ? 1 : 0;
            }
        }

        public void Deliver(double measuredAt, double sentAt, long units, bool atOwnTime = true)
        {
            if (measuredAt + _maxAge <= scenario.Horizon)
            {
                UnitsDelivered += units;
            }

            if (!atOwnTime)
            {
                return;
            }

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
