namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// Decides how long the delivery loop waits before each POST: nothing in steady state, a gap from the last POST while a
/// backlog drains or after a failure, the gap's length chosen by what the endpoint has been doing.
/// </summary>
/// <remarks>
/// <para>
/// The paces are chosen for the whole fleet, not for one dyno. After an outage every dyno notices the recovery at its own
/// next sampling tick (<see cref="RetryBudget"/>), so the recoveries arrive spread over one interval, at the steady rate.
/// A dyno that drained at once would put its whole backlog on top of that wave; so after an outage (three failed attempts
/// or more) the POST after the recovery waits a ramp-in of 0.8 to 2 intervals (never past the head's expiry), and the
/// backlog then drains calmly, 0.75 to 1 interval apart. Any gap of at most one interval is safe for the backlog: samples
/// are one interval apart, so none is older when sent than the one before it. In the fleet simulation the busiest second
/// after a 1- or 10-minute outage stays under 1.5 times the steady rate.
/// </para>
/// <para>
/// After a short failure (one or two attempts), or once the endpoint flaps (fails again after a recovery in the same Polly
/// execution), samples waiting behind the head go urgently, 0.45 to 0.75 of an interval apart. When the endpoint's
/// failures look random (<see cref="FailurePattern"/>), they go at once, 0.05 to 0.15 of an interval apart: random loss
/// is independent from dyno to dyno, so a quick drain costs the fleet nothing but the requests the endpoint takes anyway.
/// A retry paid for by the budget goes after Polly's short delay, unpaced: it is also the probe that tells random loss
/// from an outage.
/// </para>
/// <para>
/// Each gap is drawn afresh (uniformly within its range when jitter is on, its middle when off), so dynos that recovered
/// in the same second do not drain in lock-step. One owner: <see cref="DeliveryStateMachine"/>, on delivery's own task.
/// Times are steady-clock offsets the owner passes in: the pacer has no clock of its own.
/// </para>
/// </remarks>
internal sealed class DrainPacer
{
    /// <summary>Failed attempts in a row that make an outage, after which the recovery ramps in and the drain is calm.</summary>
    internal const int OutageAttempts = 3;

    private TimeSpan? _lastPost;
    private bool _draining;
    private bool _failedSinceDelivery;
    private bool _recoveredInExecution;
    private bool _flapping;
    private bool _rampIn;
    private int _failures;
    private int _lastRun;

    /// <summary>The gap after the recovery from an outage: 0.8 to 2 intervals.</summary>
    /// <param name="postInterval">The sampling interval.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public static TimeSpan RampInGap(TimeSpan postInterval, double jitterSample = 0.5) => Gap(postInterval, 0.8, 1.2, jitterSample);

    /// <summary>The gap while a backlog drains after an outage: 0.75 to 1 interval.</summary>
    /// <param name="postInterval">The sampling interval.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public static TimeSpan CalmGap(TimeSpan postInterval, double jitterSample = 0.5) => Gap(postInterval, 0.75, 0.25, jitterSample);

    /// <summary>The gap after a short failure or while the endpoint flaps: 0.45 to 0.75 of an interval.</summary>
    /// <param name="postInterval">The sampling interval.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public static TimeSpan UrgentGap(TimeSpan postInterval, double jitterSample = 0.5) => Gap(postInterval, 0.45, 0.3, jitterSample);

    /// <summary>The gap while the endpoint's failures look random: 0.05 to 0.15 of an interval.</summary>
    /// <param name="postInterval">The sampling interval.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    public static TimeSpan QuickGap(TimeSpan postInterval, double jitterSample = 0.5) => Gap(postInterval, 0.05, 0.1, jitterSample);

    /// <summary>Plans the pace of the next POST, changing nothing until <see cref="Sent"/>.</summary>
    /// <param name="waitingBehind">Whether samples already waited behind the head when it was taken.</param>
    /// <param name="postInterval">The interval the gap is a share of.</param>
    /// <param name="jitterSample">A number in [0, 1) drawn per gap when jitter is on; 0.5 when it is off.</param>
    /// <param name="random">Whether the endpoint's failures look random.</param>
    /// <param name="paidRetry">Whether this POST is a retry the budget paid for: it goes unpaced.</param>
    public PacingPlan Plan(bool waitingBehind, TimeSpan postInterval, double jitterSample, bool random, bool paidRetry)
    {
        if (paidRetry && _failedSinceDelivery)
        {
            return new PacingPlan(TimeSpan.Zero, Paced: false, waitingBehind);
        }

        var gap = _rampIn ? RampInGap(postInterval, jitterSample)
            : random && waitingBehind ? QuickGap(postInterval, jitterSample)
            : (_flapping || _lastRun < OutageAttempts) && waitingBehind ? UrgentGap(postInterval, jitterSample)
            : CalmGap(postInterval, jitterSample);
        return new PacingPlan(gap, Paced: _draining || waitingBehind || _rampIn || _failedSinceDelivery, waitingBehind);
    }

    /// <summary>How long to wait at <paramref name="now"/> before the planned POST; zero when nothing paces it.</summary>
    public TimeSpan WaitFor(PacingPlan plan, TimeSpan now)
    {
        // Nothing was posted yet when the first POST already has samples behind it (the host's start kept delivery from
        // running for more than an interval): there is no gap to keep.
        if (!plan.Paced || _lastPost is not { } lastPost)
        {
            return TimeSpan.Zero;
        }

        var wait = plan.Gap - (now - lastPost);
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
    /// <param name="random">Whether the endpoint's failures look random: a recovery from random loss does not ramp in.</param>
    public void Delivered(TimeSpan deliveredAt, bool waitingBehind, bool waited, bool random)
    {
        _lastPost = deliveredAt;

        // A drain lasts until a POST goes out unpaced with nothing behind it: the first regular sample after it included.
        _draining = waitingBehind || (_draining && waited);
        if (_failedSinceDelivery)
        {
            _failedSinceDelivery = false;
            _flapping |= _recoveredInExecution;
            _rampIn = !_recoveredInExecution && _failures >= OutageAttempts && !random;
            _recoveredInExecution = true;
            _lastRun = _failures;
        }

        _failures = 0;
    }

    /// <summary>A POST failed at <paramref name="failedAt"/>; the retry's gap counts from here.</summary>
    public void Failed(TimeSpan failedAt)
    {
        _lastPost = failedAt;
        _failures++;
        _failedSinceDelivery = true;
    }

    /// <summary>The Polly execution ends: the next starts afresh.</summary>
    public void AllClear() => (_recoveredInExecution, _flapping) = (false, false);

    private static TimeSpan Gap(TimeSpan postInterval, double from, double width, double jitterSample) =>
        TimeSpan.FromMilliseconds(Math.Floor(postInterval.TotalMilliseconds * (from + (width * jitterSample))));
}
