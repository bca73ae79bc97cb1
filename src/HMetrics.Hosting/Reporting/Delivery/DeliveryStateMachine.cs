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
/// A failed attempt ends a run (<see cref="BeginRun"/>); Polly waits its delay and starts the next, and the same oldest
/// sample is tried again unless it has expired meanwhile, or waits for the next sample when the <see cref="RetryBudget"/>
/// did not pay for an early retry. <see cref="DeliveryRun"/> says when the execution is all clear. Expiry is decided here
/// only, on delivery's task, and again after every wait: a sample older than <see cref="SampleBacklog.MaxAge"/> on the
/// steady clock is never sent; its counters go into the next sample when the endpoint was up meanwhile.
/// </para>
/// </remarks>
internal sealed class DeliveryStateMachine(SampleBacklog backlog, IReportingObserver observer, Random random)
{
    private readonly DrainPacer _pacer = new();
    private readonly RetryBudget _budget = new();
    private readonly FailurePattern _pattern = new();
    private readonly DeliveryRun _run = new();
    private TimeSpan? _failingSince;
    private TimeSpan _lastDeliveredAt = TimeSpan.MinValue;
    private (PacingPlan Plan, bool Waited)? _pending;
    private (PacingPlan Plan, bool Waited, bool QuickRetry) _inFlight;
    private int _flushed;
    private bool _retryAfterAsked;
    private TimeSpan _failedAt;
    private TimeSpan _newestAtFailure;

    /// <summary>Gets whether the last failure was paid for by the retry budget, so Polly retries it after the initial backoff.</summary>
    public bool RetryPaid { get; private set; }

    /// <summary>
    /// The delay the retry budget sets for the failure just handled, in place of Polly's: the initial backoff when it paid
    /// for the retry; when it did not, the wait for the next sampling tick, unless Polly's own delay can be longer than an
    /// interval (<c>MaxBackoff</c> above <c>PostInterval</c>), in which case Polly's stands and the retry still waits for a
    /// sample newer than the failure.
    /// </summary>
    /// <remarks>
    /// An unpaid retry goes at a tick, not at the failure's time plus Polly's delay: every dyno's ticks are spread over the
    /// interval by its random start, while failures come together at the moment an endpoint goes down. Counted from the
    /// failure, the retries of a fleet would stay in step with the endpoint's edges (against an endpoint that flaps every
    /// three intervals, in step for good).
    /// </remarks>
    /// <returns><see langword="null"/> to let Polly compute the delay.</returns>
    public TimeSpan? RetryDelay(ReporterSettings settings)
    {
        if (RetryPaid)
        {
            return settings.InitialBackoff;
        }

        if (settings.MaxBackoff > settings.PostInterval)
        {
            return null;
        }

        var untilTick = _newestAtFailure + settings.PostInterval - _failedAt;
        return untilTick > TimeSpan.Zero ? untilTick : TimeSpan.Zero;
    }

    /// <summary>A run starts: the Polly execution's first, or the next after a failure's delay.</summary>
    public void BeginRun(TimeSpan now) => _run.Begin(now);

    /// <summary>Decides what delivery does next.</summary>
    /// <param name="now">The steady clock.</param>
    /// <param name="settings">The settings in force.</param>
    public DeliveryDecision Next(TimeSpan now, ReporterSettings settings)
    {
        Expire(now);
        if (!backlog.TryPeekOldest(out var head) || !_budget.MayRetry(backlog.NewestTakenAt!.Value))
        {
            // Nothing waits, or a failed sample waits for the next one before it is retried (the retry budget).
            _pending = null;
            return DeliveryDecision.WaitForSample;
        }

        // Decided when a POST is planned, not again while its pacing gap is waited out.
        if (_pending is null && _run.IsAllClear(now, settings.BackoffResetAfter, _pattern.LooksRandom))
        {
            _pacer.AllClear();
            return DeliveryDecision.AllClear;
        }

        // Only what already waited behind the head counts: one taken while this is sent is simply the next. Planned once
        // per POST, however often the loop asks again after waiting.
        var quickRetry = (RetryPaid || _retryAfterAsked) && _failingSince is not null;
        var (plan, waited) = _pending ??= (
            _pacer.Plan(backlog.Count > 1, PacingInterval(head, settings), settings.UseJitter ? random.NextDouble() : 0.5, _pattern.LooksRandom, quickRetry),
            false);
        var wait = _pacer.WaitFor(plan, now);

        // Never hold the head past its expiry, whatever the gap (a reload to a much longer interval during a drain).
        var headroom = SampleBacklog.MaxAge - (now - head.TakenAt);
        if (wait > headroom)
        {
            wait = headroom > TimeSpan.Zero ? headroom : TimeSpan.Zero;
        }

        if (wait > TimeSpan.Zero)
        {
            _pending = (plan, true);
            return DeliveryDecision.Wait(wait);
        }

        // The steady path: the one sample just taken, unpaced, while delivery is not failing. Its deadline is the next
        // sampling tick (no timer per report); retries, drains and a timeout the user set below the interval are exact.
        var steady = !plan.Paced && !waited && _failingSince is null && backlog.Count == 1;
        _ = backlog.TryBeginSend(out var sample);
        _pacer.Sent(plan);
        _inFlight = (plan, waited, quickRetry);
        _pending = null;
        return DeliveryDecision.Send(sample, steady && settings.RegularDeadlineIsNextTick ? null : settings.HttpTimeout);
    }

    /// <summary>The endpoint accepted the sample in flight.</summary>
    /// <param name="now">When the answer arrived, on the steady clock: the next pacing gap counts from here.</param>
    /// <param name="statusCode">The answer's status.</param>
    /// <param name="metrics">The metrics its body held.</param>
    public void Delivered(TimeSpan now, int statusCode, int metrics)
    {
        if (_inFlight.QuickRetry && !_retryAfterAsked)
        {
            _pattern.QuickRetry(succeeded: true);
        }

        var newest = backlog.NewestTakenAt;
        _ = backlog.TryPeekInFlight(out var delivered);
        _budget.Succeeded(newest ?? delivered.TakenAt, _pattern.LooksRandom);
        _lastDeliveredAt = now;
        backlog.EndSend(remove: true);
        _run.Delivered(caughtUp: backlog.Count == 0);
        _pacer.Delivered(now, _inFlight.Plan.WaitingBehind, _inFlight.Waited, _pattern.LooksRandom);
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
            _pacer.Delivered(now, _inFlight.Plan.WaitingBehind, _inFlight.Waited, _pattern.LooksRandom);
            observer.Rejected(measuredAt, (int)failure.StatusCode!.Value);
            observer.BacklogChanged(backlog.Count);
            return false;
        }

        if (_inFlight.QuickRetry && !_retryAfterAsked)
        {
            _pattern.QuickRetry(succeeded: false);
        }

        // The endpoint's own Retry-After wins over the budget: the retry goes when it asked, not before and not later.
        _retryAfterAsked = failure.RetryAfter is not null;
        _failedAt = now;
        _newestAtFailure = backlog.NewestTakenAt ?? now;
        RetryPaid = !_retryAfterAsked && _budget.Failed(_newestAtFailure, _pattern.LooksRandom);
        backlog.EndSend(remove: false);
        _run.Failed();
        _pacer.Failed(now);
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
        _inFlight = default;
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

    // A sample older than the window is never sent. If the endpoint took a POST while it waited (it is up, just not
    // keeping up: a degraded or flapping endpoint), its counters go into the next sample, as long as that keeps them
    // within MaxCarry of when they happened; a sample that lived through an outage alone is dropped whole.
    private void Expire(TimeSpan now)
    {
        var cutoff = now - SampleBacklog.MaxAge;
        var expired = false;
        while (backlog.TryPeekOldest(out var head) && head.TakenAt < cutoff)
        {
            var carry = _lastDeliveredAt > head.TakenAt
                && backlog.TryPeekSecond(out var next)
                && next.TakenAt - head.CountsSince <= SampleBacklog.MaxCarry;
            var measuredAt = carry ? backlog.MergeOldestIntoNext() : backlog.DropOldest();
            if (measuredAt is not { } at)
            {
                break;
            }

            observer.Dropped(1, at, at, carry ? DropReason.Carried : DropReason.Expired);
            expired = true;
        }

        if (expired)
        {
            observer.BacklogChanged(backlog.Count);
        }
    }
}
