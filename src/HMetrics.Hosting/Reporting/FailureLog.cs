using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// Decides what an outage logs: each of its first failures, then one summary per period, a change of reason at once,
/// and the samples it cost when it ends.
/// </summary>
/// <remarks>
/// A long outage would otherwise log a Warning every backoff delay for as long as it lasts. Repeats stay visible at
/// Debug. Touched only by the delivery loop and, after it has ended, the flush.
/// </remarks>
internal sealed class FailureLog(SafeLogger logger, TimeProvider timeProvider)
{
    internal const int FailuresLoggedIndividually = 5;
    internal static readonly TimeSpan SummaryPeriod = TimeSpan.FromHours(1);

    private readonly Lock _droppedLock = new();
    private string? _lastReason;
    private long _lastWarningAt;
    private int _repeats;
    private int _dropped;
    private DateTimeOffset _droppedFrom;
    private DateTimeOffset _droppedTo;

    /// <summary>Logs a failed attempt.</summary>
    /// <param name="endpoint">The redacted endpoint.</param>
    /// <param name="reason">What failed, free of secrets.</param>
    /// <param name="attempt">The consecutive failures so far, this one included.</param>
    /// <param name="delay">When the next attempt comes.</param>
    public void Failed(string endpoint, string reason, int attempt, TimeSpan delay)
    {
        var repeat = attempt > FailuresLoggedIndividually && string.Equals(reason, _lastReason, StringComparison.Ordinal);
        _lastReason = reason;
        if (!repeat)
        {
            Log.ReportFailed(logger, LogLevel.Warning, endpoint, reason, attempt, delay);
            _lastWarningAt = timeProvider.GetTimestamp();
            _repeats = 0;
            return;
        }

        var sinceWarning = timeProvider.GetElapsedTime(_lastWarningAt);
        if (sinceWarning < SummaryPeriod)
        {
            Log.ReportFailed(logger, LogLevel.Debug, endpoint, reason, attempt, delay);
            _repeats++;
            return;
        }

        Log.FailuresContinuing(logger, endpoint, reason, attempt, _repeats, sinceWarning, delay);
        _lastWarningAt = timeProvider.GetTimestamp();
        _repeats = 0;
    }

    /// <summary>Notes samples dropped because the endpoint would no longer take them; logged once, when the outage ends.</summary>
    public void Dropped(int count, DateTimeOffset from, DateTimeOffset to)
    {
        if (count <= 0)
        {
            return;
        }

        // The sampler drops too, from its timer, when a full backlog makes room.
        lock (_droppedLock)
        {
            _droppedFrom = _dropped == 0 || from < _droppedFrom ? from : _droppedFrom;
            _droppedTo = _dropped == 0 || to > _droppedTo ? to : _droppedTo;
            _dropped += count;
        }
    }

    /// <summary>Logs the end of an outage: the recovery, if attempts failed, and what it cost.</summary>
    public void Recovered(string endpoint, int failures, TimeSpan interruption)
    {
        if (failures > 0)
        {
            Log.Recovered(logger, endpoint, failures, interruption);
        }

        ReportDropped();
        _lastReason = null;
    }

    /// <summary>Logs the samples dropped and not yet reported, e.g. when the host stops during an outage.</summary>
    public void ReportDropped()
    {
        int dropped;
        DateTimeOffset from, to;
        lock (_droppedLock)
        {
            (dropped, from, to) = (_dropped, _droppedFrom, _droppedTo);
            _dropped = 0;
        }

        if (dropped > 0)
        {
            Log.SamplesDropped(logger, dropped, Log.Time(from), Log.Time(to));
        }
    }
}
