namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// Every decision of delivery, in one synchronous type: what to send next, what has expired, how POSTs are paced, when
/// the all-clear window has passed, and what a success, a failure, a rejection or a drop means.
/// </summary>
/// <remarks>
/// <para>
/// It has no clock and awaits nothing: <see cref="DeliveryLoop"/>, a thin async shell, asks <see cref="Next"/> what to do,
/// does it (waits for a sample, waits a pacing gap, sends under Polly's retry strategy) and reports the outcome back,
/// passing the steady clock's time each time. The fleet simulation drives this same type on simulated time.
/// </para>
/// <para>
/// A Polly execution is one delivery run (<see cref="BeginRun"/>): a failed attempt ends it, Polly waits its delay and
/// starts the next, and the same oldest sample is tried again unless it has expired meanwhile. A run that has delivered
/// and lasted <see cref="ReporterSettings.BackoffResetAfter"/> ends by itself (<see cref="DeliveryAction.AllClear"/>), so
/// the next failure starts Polly's backoff from the beginning. Expiry is decided here only, on delivery's task, and again
/// after every wait: a sample older than <see cref="SampleBacklog.MaxAge"/> on the steady clock is dropped, never sent.
/// </para>
/// </remarks>
internal sealed class DeliveryStateMachine(SampleBacklog backlog, IReportingObserver observer, Random random)
{
    private readonly DrainPacer _pacer = new();
    private TimeSpan _runStarted;
    private bool _deliveredInRun;
    private TimeSpan? _failingSince;
    private PacingPlan? _plan;
    private bool _waited;
    private PacingPlan _inFlightPlan;
    private bool _inFlightWaited;
    private int _flushed;

    /// <summary>A Polly execution starts (or starts again after a failure's delay).</summary>
    public void BeginRun(TimeSpan now)
    {
        _runStarted = now;
        _deliveredInRun = false;
    }

    /// <summary>Decides what delivery does next.</summary>
    /// <param name="now">The steady clock.</param>
    /// <param name="settings">The settings in force.</param>
    public DeliveryDecision Next(TimeSpan now, ReporterSettings settings)
    {
        Expire(now);
        if (!backlog.TryPeekOldest(out var head))
        {
            _plan = null;
            _waited = false;
            return DeliveryDecision.WaitForSample;
        }

        // Decided when a POST is planned, not again while its pacing gap is waited out.
        if (_plan is null && _deliveredInRun && now - _runStarted >= settings.BackoffResetAfter)
        {
            // All clear: the run ends well, and the next execution starts Polly's attempt count from zero.
            _pacer.AllClear();
            _plan = null;
            _waited = false;
            return DeliveryDecision.AllClear;
        }

        // Only what already waited behind the head counts: one taken while this is sent is simply the next. Planned once
        // per POST, however often the loop asks again after waiting.
        var plan = _plan ??= _pacer.Plan(backlog.Count > 1, PacingInterval(head, settings), settings.UseJitter ? random.NextDouble() : 0.5);
        var wait = _pacer.WaitFor(plan, now);

        // Never hold the head past its expiry, whatever the gap (a reload to a much longer interval during a drain).
        var headroom = SampleBacklog.MaxAge - (now - head.TakenAt);
        if (wait > headroom)
        {
            wait = headroom > TimeSpan.Zero ? headroom : TimeSpan.Zero;
        }

        if (wait > TimeSpan.Zero)
        {
            _waited = true;
            return DeliveryDecision.Wait(wait);
        }

        // The steady path: the one sample just taken, unpaced, while delivery is not failing. Its deadline is the next
        // sampling tick (no timer per report); retries, drains and a timeout the user set below the interval are exact.
        var steady = !plan.Paced && !_waited && _failingSince is null && backlog.Count == 1;
        _ = backlog.TryBeginSend(out var sample);
        _pacer.Sent(plan);
        (_inFlightPlan, _inFlightWaited) = (plan, _waited);
        (_plan, _waited) = (null, false);
        return DeliveryDecision.Send(sample, steady && settings.RegularDeadlineIsNextTick ? null : settings.HttpTimeout);
    }

    /// <summary>The endpoint accepted the sample in flight.</summary>
    /// <param name="now">When the answer arrived, on the steady clock: the next pacing gap counts from here.</param>
    /// <param name="statusCode">The answer's status.</param>
    /// <param name="metrics">The metrics its body held.</param>
    public void Delivered(TimeSpan now, int statusCode, int metrics)
    {
        backlog.EndSend(remove: true);
        _pacer.Delivered(now, _inFlightPlan.WaitingBehind, _inFlightWaited);
        _deliveredInRun = true;
        var interruption = _failingSince is { } since ? now - since : TimeSpan.Zero;
        _failingSince = null;
        observer.Delivered(metrics, statusCode, interruption);
        observer.BacklogChanged(backlog.Count);
    }

    /// <summary>The sample in flight was not delivered.</summary>
    /// <param name="now">When the attempt ended, on the steady clock.</param>
    /// <param name="failure">What failed.</param>
    /// <returns>
    /// Whether the failure ends the run, so Polly retries after its delay; <see langword="false"/> when the endpoint
    /// rejected the sample itself (400, 413): re-sending the same bytes cannot succeed, so it is dropped and delivery goes
    /// on at once — the endpoint answered, it is not failing.
    /// </returns>
    public bool Failed(TimeSpan now, ReportFailedException failure)
    {
        if (failure.RejectsSample && backlog.TryPeekInFlight(out var rejected))
        {
            var measuredAt = rejected.MeasuredAt;
            backlog.EndSend(remove: true);
            _pacer.Delivered(now, _inFlightPlan.WaitingBehind, _inFlightWaited);
            observer.Rejected(measuredAt, (int)failure.StatusCode!.Value);
            observer.BacklogChanged(backlog.Count);
            return false;
        }

        backlog.EndSend(remove: false);
        _pacer.Failed();
        _failingSince ??= now;
        return true;
    }

    /// <summary>The send in flight was cancelled (the host is stopping): the sample stays for the flush.</summary>
    public void Abandoned() => backlog.EndSend(remove: false);

    /// <summary>Polly will retry after <paramref name="delay"/>.</summary>
    /// <param name="kind">The failure class.</param>
    /// <param name="reason">What failed, scrubbed.</param>
    /// <param name="delay">Polly's delay before the next attempt.</param>
    public void Retrying(string kind, string reason, TimeSpan delay) => observer.Failed(kind, reason, delay);

    /// <summary>The next sample the shutdown flush sends: the newest (the final sample) first, then the rest oldest first.</summary>
    /// <returns>The sample, marked in flight; <see langword="null"/> when nothing deliverable is left.</returns>
    public Sample? NextForFlush(TimeSpan now)
    {
        Expire(now);
        Sample sample;
        var found = _flushed == 0 ? backlog.TryBeginSendNewest(out sample) : backlog.TryBeginSend(out sample);
        _inFlightPlan = default;
        _inFlightWaited = false;
        return found ? sample : null;
    }

    /// <summary>The flush delivered the sample in flight.</summary>
    public void FlushDelivered(TimeSpan now, int statusCode, int metrics)
    {
        _flushed++;
        Delivered(now, statusCode, metrics);
    }

    /// <summary>
    /// The reporter stops: whatever is still waiting will never be delivered. It is counted as dropped and logged once,
    /// with <paramref name="failure"/> saying why the flush could not deliver it.
    /// </summary>
    /// <param name="failure">Why delivery ended short, or <see langword="null"/> when the flush delivered everything it tried.</param>
    public void Stop(string? failure)
    {
        var (count, from, to) = backlog.Clear();
        if (_flushed > 0)
        {
            observer.Flushed(_flushed);
        }

        if (failure is not null && count > 0)
        {
            observer.FlushFailed(failure);
        }

        observer.Dropped(count, from, to, DropReason.Shutdown);
        observer.BacklogChanged(0);
        observer.Stopping();
    }

    // Gaps are shares of the interval the waiting samples were taken at when that is shorter than the one in force: a
    // reload to a longer interval must not slow the drain of samples taken closer together than it.
    private static TimeSpan PacingInterval(Sample head, ReporterSettings settings) =>
        head.Interval > TimeSpan.Zero && head.Interval < settings.PostInterval ? head.Interval : settings.PostInterval;

    private void Expire(TimeSpan now)
    {
        var (count, from, to) = backlog.DropTakenBefore(now - SampleBacklog.MaxAge);
        if (count > 0)
        {
            observer.Dropped(count, from, to, DropReason.Expired);
            observer.BacklogChanged(backlog.Count);
        }
    }
}
