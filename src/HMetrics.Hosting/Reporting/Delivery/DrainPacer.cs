namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// Decides how long the delivery loop waits before each POST: nothing in steady state, a paced gap while a backlog drains.
/// </summary>
/// <remarks>
/// <para>
/// The pace is chosen for the whole fleet, not for one dyno: when the endpoint comes back, every dyno of every app notices
/// within one <c>MaxBackoff</c>, and each recovery is itself a POST. If a recovered dyno drained at once, the fleet would
/// carry the recoveries on top of every drain that had already begun (2.1 times the steady rate at the default 30 s cap, in
/// docs/fleet-simulation.md). So the POST after the first recovery of a Polly execution waits a ramp-in gap of 0.7 to 1
/// interval, even when nothing waited behind the recovery (the next regular sample then goes a few seconds late, with its
/// own time: in the fleet it is one more POST of the recovery wave), and the backlog drains calmly, 0.5 to 0.9 of an
/// interval apart (1.4 times the steady rate on average).
/// </para>
/// <para>
/// Any gap of at most one interval is safe for the backlog: samples are one interval apart, so a sample is never older when
/// it is sent than the one sent before it. Speed only matters when the endpoint fails again before the backlog is gone, and
/// that is what the loop watches for: a failure after a recovery, before the all-clear window has passed, means the endpoint
/// flaps, and until the all-clear the backlog drains urgently, 0.4 to 0.72 of an interval apart (1.8 times the steady rate),
/// without a ramp-in: an endpoint up only half the time gives a dyno half the time to deliver everything. Only samples
/// still waiting are urgent: the gap before the backlog's last sample (and the regular one after it) stays calm, which
/// keeps a flapping fleet under twice its steady rate.
/// </para>
/// <para>
/// Each gap is drawn afresh (uniformly within its range when jitter is on, its middle when off), so dynos that recovered in
/// the same second do not drain in lock-step. One owner: <see cref="DeliveryStateMachine"/>, on delivery's own task. Times
/// are steady-clock offsets the owner passes in: the pacer has no clock of its own.
/// </para>
/// </remarks>
internal sealed class DrainPacer
{
    private TimeSpan _lastDelivered;
    private bool _draining;
    private bool _failedSinceDelivery;
    private bool _recoveredInExecution;
    private bool _flapping;
    private bool _rampIn;

    /// <summary>The gap after the first recovery of a Polly execution: 0.7 to 1 interval.</summary>
    /// <param name="postInterval">The sampling interval.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public static TimeSpan RampInGap(TimeSpan postInterval, double jitterSample = 0.5) => Gap(postInterval, 0.7, 0.3, jitterSample);

    /// <summary>The gap while a backlog drains after an outage: 0.5 to 0.9 of an interval.</summary>
    /// <param name="postInterval">The sampling interval.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public static TimeSpan CalmGap(TimeSpan postInterval, double jitterSample = 0.5) => Gap(postInterval, 0.5, 0.4, jitterSample);

    /// <summary>The gap while a backlog drains against a flapping endpoint: 0.4 to 0.72 of an interval.</summary>
    /// <param name="postInterval">The sampling interval.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public static TimeSpan UrgentGap(TimeSpan postInterval, double jitterSample = 0.5) => Gap(postInterval, 0.4, 0.32, jitterSample);

    /// <summary>Plans the pace of the next POST, changing nothing until <see cref="Sent"/>.</summary>
    /// <param name="waitingBehind">Whether samples already waited behind the head when it was taken.</param>
    /// <param name="postInterval">The spacing the gap is a share of.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public PacingPlan Plan(bool waitingBehind, TimeSpan postInterval, double jitterSample)
    {
        var gap = _rampIn ? RampInGap(postInterval, jitterSample)
            : _flapping && waitingBehind ? UrgentGap(postInterval, jitterSample)
            : CalmGap(postInterval, jitterSample);
        return new PacingPlan(gap, Paced: _draining || waitingBehind || _rampIn, waitingBehind);
    }

    /// <summary>How long to wait at <paramref name="now"/> before the planned POST; zero when nothing paces it.</summary>
    public TimeSpan WaitFor(PacingPlan plan, TimeSpan now)
    {
        if (!plan.Paced)
        {
            return TimeSpan.Zero;
        }

        var wait = plan.Gap - (now - _lastDelivered);
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>The planned POST goes out now.</summary>
    public void Sent(PacingPlan plan)
    {
        _draining = plan.Paced;
        _rampIn = false;
    }

    /// <summary>A POST succeeded.</summary>
    /// <param name="deliveredAt">
    /// When the answer arrived, taken before anything is logged: the next gap counts from the delivery, not from whenever
    /// this bookkeeping runs.
    /// </param>
    /// <param name="waitingBehind">Whether samples waited behind it when it was taken.</param>
    /// <param name="waited">Whether it was paced.</param>
    public void Delivered(TimeSpan deliveredAt, bool waitingBehind, bool waited)
    {
        _lastDelivered = deliveredAt;

        // A drain lasts until a POST goes out unpaced with nothing behind it: the first regular sample after it included.
        _draining = waitingBehind || (_draining && waited);
        if (_failedSinceDelivery)
        {
            _failedSinceDelivery = false;
            _flapping |= _recoveredInExecution;
            _rampIn = !_recoveredInExecution;
            _recoveredInExecution = true;
        }
    }

    /// <summary>A POST failed; Polly retries it after its delay.</summary>
    public void Failed() => _failedSinceDelivery = true;

    /// <summary>The endpoint stayed healthy for the all-clear window: the Polly execution ends, and the next starts afresh.</summary>
    public void AllClear() => (_recoveredInExecution, _flapping) = (false, false);

    private static TimeSpan Gap(TimeSpan postInterval, double from, double width, double jitterSample) =>
        TimeSpan.FromMilliseconds(Math.Floor(postInterval.TotalMilliseconds * (from + (width * jitterSample))));
}
