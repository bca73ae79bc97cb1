namespace HMetrics.Hosting.Reporting.SelfObservation;

/// <summary>
/// What sampling and delivery tell the world: one method per outcome, each fanning out to the status, the instruments
/// and the outage log.
/// </summary>
/// <remarks>
/// Telemetry never decides delivery: an implementation must not throw, and what it does costs a measurement or a line
/// at worst. The fleet simulation observes with its own tally.
/// </remarks>
internal interface IReportingObserver
{
    /// <summary>The endpoint accepted a sample.</summary>
    /// <param name="metrics">The metrics in its body.</param>
    /// <param name="statusCode">The answer's status.</param>
    /// <param name="interruption">How long delivery had been failing (steady clock); zero when it was not.</param>
    void Delivered(int metrics, int statusCode, TimeSpan interruption);

    /// <summary>The endpoint rejected a sample itself (400, 413): it is dropped.</summary>
    void Rejected(DateTimeOffset measuredAt, int statusCode);

    /// <summary>An attempt failed; Polly retries after <paramref name="retryDelay"/>.</summary>
    /// <param name="kind">The failure class (http_5xx, timeout, ...), never free text.</param>
    /// <param name="reason">What failed, scrubbed.</param>
    /// <param name="retryDelay">When the next attempt comes.</param>
    void Failed(string kind, string reason, TimeSpan retryDelay);

    /// <summary>Samples were dropped undelivered.</summary>
    void Dropped(int count, DateTimeOffset from, DateTimeOffset to, DropReason reason);

    /// <summary>The backlog now holds <paramref name="count"/> samples.</summary>
    void BacklogChanged(int count);

    /// <summary>The shutdown flush delivered <paramref name="samples"/> samples.</summary>
    void Flushed(int samples);

    /// <summary>The shutdown flush could not deliver everything, for <paramref name="reason"/>.</summary>
    void FlushFailed(string reason);

    /// <summary>The reporter stops: what the outage log still holds is written now.</summary>
    void Stopping();
}
