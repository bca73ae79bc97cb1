namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// The bookkeeping of one Polly execution: when its current run began, whether it delivered, failed or caught up, and so
/// whether it is all clear (the next failure starts Polly's backoff from the beginning).
/// </summary>
/// <remarks>
/// A failed attempt ends a run and Polly starts the next after its delay, in the same execution, so its attempt count
/// climbs. The execution ends well (all clear) when delivery has succeeded for the all-clear window (the Go package's
/// <c>ResetFailureBackoffAfter</c>), or, after failures, once the backlog is delivered, or at the first success while the
/// endpoint's failures look random: an isolated failure must not leave the next one waiting at the cap.
/// </remarks>
internal sealed class DeliveryRun
{
    private TimeSpan _started;
    private bool _delivered;
    private bool _failedInExecution;
    private bool _caughtUp;

    /// <summary>A run starts: the execution's first, or the next after a failure's delay.</summary>
    public void Begin(TimeSpan now) => (_started, _delivered) = (now, false);

    /// <summary>A POST of this run succeeded; <paramref name="caughtUp"/> when nothing waits any more.</summary>
    public void Delivered(bool caughtUp) => (_delivered, _caughtUp) = (true, caughtUp);

    /// <summary>A POST failed: the run ends.</summary>
    public void Failed() => _failedInExecution = true;

    /// <summary>Whether the execution is all clear at <paramref name="now"/>; if so, the next starts afresh.</summary>
    /// <param name="now">The steady clock.</param>
    /// <param name="window">The all-clear window, <see cref="ReporterSettings.BackoffResetAfter"/>.</param>
    /// <param name="random">Whether the endpoint's failures look random.</param>
    public bool IsAllClear(TimeSpan now, TimeSpan window, bool random)
    {
        if (!_delivered || !(now - _started >= window || (_failedInExecution && (_caughtUp || random))))
        {
            return false;
        }

        _failedInExecution = false;
        return true;
    }
}
