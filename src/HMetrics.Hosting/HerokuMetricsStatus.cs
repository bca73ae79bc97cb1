namespace HMetrics.Hosting;

/// <summary>
/// A read-only snapshot of the reporter's state, for health checks and diagnostics pages.
/// </summary>
/// <remarks>
/// Holds no URL and no free text that could quote one: a health report is often served to anyone who asks. Failures are
/// named by class (<c>http_5xx</c>, <c>timeout</c>, ...).
/// </remarks>
public sealed class HerokuMetricsStatus
{
    internal HerokuMetricsStatus(
        HerokuMetricsState state,
        string? idleReason,
        DateTimeOffset? lastSuccess,
        int consecutiveFailures,
        DateTimeOffset? failingSince,
        string? lastFailure,
        int backlog,
        long droppedSamples)
    {
        State = state;
        IdleReason = idleReason;
        LastSuccess = lastSuccess;
        ConsecutiveFailures = consecutiveFailures;
        FailingSince = failingSince;
        LastFailure = lastFailure;
        Backlog = backlog;
        DroppedSamples = droppedSamples;
    }

    /// <summary>Gets what the reporter is doing.</summary>
    public HerokuMetricsState State { get; }

    /// <summary>Gets why the reporter is idle, when <see cref="State"/> is <see cref="HerokuMetricsState.Idle"/>.</summary>
    public string? IdleReason { get; }

    /// <summary>Gets when the endpoint last acknowledged a report.</summary>
    public DateTimeOffset? LastSuccess { get; }

    /// <summary>Gets how many delivery attempts have failed since the last success.</summary>
    public int ConsecutiveFailures { get; }

    /// <summary>Gets when the current run of failures began; <see langword="null"/> while reports flow.</summary>
    public DateTimeOffset? FailingSince { get; }

    /// <summary>Gets the class of the last failure (<c>http_4xx</c>, <c>http_5xx</c>, <c>timeout</c>, <c>transport</c>, ...), if reports are failing.</summary>
    public string? LastFailure { get; }

    /// <summary>Gets how many samples wait to be delivered, the newest included.</summary>
    public int Backlog { get; }

    /// <summary>Gets how many samples were dropped, since the reporter started, because the endpoint would no longer accept them.</summary>
    public long DroppedSamples { get; }
}
