namespace HMetrics.Hosting.FleetSimulation;

/// <summary>How a dyno retries and what it delivers after an outage.</summary>
internal abstract record DeliveryPolicy(string Name);

/// <summary>
/// The library's delivery: sample every interval into the backlog, deliver oldest first, Polly's delays between
/// failures, and the library's <c>DrainPacer</c> spacing the POSTs while a backlog drains.
/// </summary>
/// <param name="Jitter">
/// The library's <c>ReporterSettings.UseJitter</c> (BackoffJitter &gt; 0): Polly's jitter, and a fresh draw per gap within
/// the pacer's range (its middle when off).
/// </param>
/// <param name="PreviousPacing">
/// A what-if row, not the library any more: every drain gap 0.45–0.65 of an interval and no ramp-in, as the library paced
/// before the pacer.
/// </param>
internal sealed record BacklogPolicy(string Name, TimeSpan MaxBackoff, bool Jitter, PollyDelays Delays, bool PreviousPacing = false) : DeliveryPolicy(Name);

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
    /// <summary>One <see cref="TimeSpan"/> tick in seconds: the library's least wait.</summary>
    private const double Tick = 1e-7;

    private readonly double _interval = postInterval.TotalSeconds;
    private readonly double _maxAge = LibraryPolicy.MaxAge.TotalSeconds;
    private readonly TimeSpan _postInterval = postInterval;
    private readonly int _capacity = LibraryPolicy.BacklogCapacity(postInterval);
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
        var ring = new Ring(_capacity + 1);
        for (var d = 0; d < dynos; d++)
        {
            // The first SynchronizedStarts dynos start within the same second; the others at a random phase.
            var start = d < scenario.SynchronizedStarts ? phases.NextDouble() : phases.NextDouble() * _interval;
            switch (policy)
            {
                case BacklogPolicy backlog:
                    RunBacklog(scenario, backlog, start, ring, draws, spacingDraws, tally);
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

    /// <summary>The library's delivery loop (<c>DeliveryLoop.DeliverUntilAllClearAsync</c>), one dyno.</summary>
    private void RunBacklog(Scenario scenario, BacklogPolicy policy, double start, Ring ring, Random draws, Random spacingDraws, Tally tally)
    {
        var horizon = scenario.Horizon;
        ring.Clear();
        var nextSample = start + _interval;
        var t = start;

        // One Polly execution: its delays, its attempt count, and the current callback's start (the run).
        var delays = policy.Delays.Draw(draws);
        var attempt = 0;
        var runStarted = t;
        var delivered = false;

        // The loop's pacer outlives runs.
        SimulatedPacing pacing = policy.PreviousPacing ? new PreviousPacing(_postInterval) : new LibraryPacing(_postInterval);
        while (true)
        {
            TakeDueSamples(ref nextSample, t, horizon, ring, headInFlight: false);
            if (t >= horizon)
            {
                return;
            }

            // NextAsync: drop what the endpoint would no longer accept; with nothing waiting, wait for the next sample.
            while (ring.Count > 0 && ring.Head < t - _maxAge)
            {
                _ = ring.RemoveHead();
            }

            if (ring.Count == 0)
            {
                t = nextSample;
                continue;
            }

            if (delivered && t - runStarted >= _resetAfter)
            {
                // All clear: the execution ends and the next one starts Polly's attempt count (and its jitter) afresh.
                delays = policy.Delays.Draw(draws);
                attempt = 0;
                runStarted = t;
                delivered = false;
                pacing.AllClear();
            }

            // The head is in flight from here. Only what already waited behind it counts as a backlog.
            var waitingBehind = ring.Count > 1;

            // A jitter sample drawn on every pass (UseJitter ? NextDouble() : 0.5), as the loop does.
            var wait = pacing.WaitBeforeSend(t, waitingBehind, policy.Jitter ? spacingDraws.NextDouble() : 0.5);

            // The library compares TimeSpans: a wait counts from one tick (100 ns) up.
            var waited = wait >= Tick;
            if (waited)
            {
                // Task.Delay with the head in flight: the sampler keeps taking samples, evicting the one after the head.
                t += wait;
                TakeDueSamples(ref nextSample, t, horizon, ring, headInFlight: true);
                if (t >= horizon)
                {
                    return;
                }
            }

            tally.Request(t);
            if (scenario.IsUp(t))
            {
                tally.Deliver(ring.RemoveHead(), t);
                pacing.Delivered(t, waitingBehind, waited);
                delivered = true;
                continue;
            }

            tally.Wasted++;
            pacing.Failed();
            if (attempt >= delays.Length)
            {
                throw new InvalidOperationException($"A Polly execution ran past the {delays.Length} precomputed attempts: raise the pool's length.");
            }

            // The callback throws; Polly waits its delay and calls it again: a new run, nothing delivered in it yet.
            t += delays[attempt++];
            tally.MostAttempts = Math.Max(tally.MostAttempts, attempt);
            runStarted = t;
            delivered = false;
        }
    }

    /// <summary>
    /// The sampler (<c>SampleBacklog.Add</c>): every sample due by <paramref name="t"/> enters the backlog; a full backlog
    /// evicts its oldest, or the one after the head while the head is in flight (which has a spare slot).
    /// </summary>
    private void TakeDueSamples(ref double nextSample, double t, double horizon, Ring ring, bool headInFlight)
    {
        while (nextSample <= t && nextSample < horizon)
        {
            while (ring.Count >= _capacity + (headInFlight ? 1 : 0))
            {
                if (headInFlight)
                {
                    ring.RemoveSecond();
                }
                else
                {
                    _ = ring.RemoveHead();
                }
            }

            ring.Add(nextSample);
            nextSample += _interval;
        }
    }

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

    /// <summary>The backlog's measurement times, oldest first, in a fixed ring like the library's.</summary>
    private sealed class Ring(int capacity)
    {
        private readonly double[] _items = new double[capacity];
        private int _head;

        public int Count { get; private set; }

        public double Head => _items[_head];

        public void Clear() => (_head, Count) = (0, 0);

        public void Add(double measuredAt)
        {
            _items[(_head + Count) % _items.Length] = measuredAt;
            Count++;
        }

        /// <summary>Removes the sample after the head (the head is in flight).</summary>
        public void RemoveSecond()
        {
            var head = RemoveHead();
            _ = RemoveHead();
            _head = (_head + _items.Length - 1) % _items.Length;
            _items[_head] = head;
            Count++;
        }

        public double RemoveHead()
        {
            var measuredAt = _items[_head];
            _head = (_head + 1) % _items.Length;
            Count--;
            return measuredAt;
        }
    }
}
