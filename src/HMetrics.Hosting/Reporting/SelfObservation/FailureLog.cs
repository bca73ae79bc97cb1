using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Reporting.SelfObservation;

/// <summary>
/// Decides what an outage logs: each of its first failures, then one summary per period, a change of reason at once,
/// and the samples it cost when it ends.
/// </summary>
/// <remarks>
/// A long outage would otherwise log a Warning every backoff delay for as long as it lasts. Repeats stay visible at
/// Debug. Failures come from the delivery loop only; drops also from the sampler's timer (a full backlog), hence the lock
/// around them.
/// </remarks>
internal sealed class FailureLog(SafeLogger logger, TimeProvider timeProvider)
{
    internal const int FailuresLoggedIndividually = 5;
    internal static readonly TimeSpan SummaryPeriod = TimeSpan.FromHours(1);

    private readonly Lock _droppedLock = new();
    private readonly Drops[] _dropped = new Drops[Enum.GetValues<DropReason>().Length];
    private string? _lastReason;
    private long _lastWarningAt;
    private int _repeats;

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

    /// <summary>Notes samples dropped undelivered; logged once, when the outage ends or the reporter stops.</summary>
    public void Dropped(int count, DateTimeOffset from, DateTimeOffset to, DropReason reason)
    {
        if (count <= 0)
        {
            return;
        }

        lock (_droppedLock)
        {
            ref var drops = ref _dropped[(int)reason];
            drops.From = drops.Count == 0 || from < drops.From ? from : drops.From;
            drops.To = drops.Count == 0 || to > drops.To ? to : drops.To;
            drops.Count += count;
        }
    }

    /// <summary>Logs the end of an outage: the recovery, if attempts failed, and what it cost.</summary>
    /// <param name="endpoint">The redacted endpoint.</param>
    /// <param name="failures">The failed attempts the delivery ended.</param>
    /// <param name="interruption">How long delivery failed, on the steady clock.</param>
    public void Recovered(string endpoint, int failures, TimeSpan interruption)
    {
        if (failures > 0)
        {
            Log.Recovered(logger, endpoint, failures, interruption);
        }

        ReportDropped();
        _lastReason = null;
    }

    /// <summary>Logs the samples dropped and not yet reported, one line per reason.</summary>
    public void ReportDropped()
    {
        Span<Drops> pending = stackalloc Drops[_dropped.Length];
        lock (_droppedLock)
        {
            _dropped.AsSpan().CopyTo(pending);
            Array.Clear(_dropped);
        }

        for (var reason = 0; reason < pending.Length; reason++)
        {
            var drops = pending[reason];
            if (drops.Count > 0)
            {
                Log.SamplesDropped(logger, drops.Count, Log.Time(drops.From), Log.Time(drops.To), Describe((DropReason)reason));
            }
        }
    }

    private static string Describe(DropReason reason) => reason switch
    {
        DropReason.Shutdown => "the host stopped before the endpoint took them, so those intervals stay empty on the charts",
        DropReason.Carried => "the endpoint no longer accepts measurements that old, but it was up meanwhile, so their counters went into the next sample: the charts show those counts up to a minute late, and only the gauges of those intervals are missing",
        _ => "the endpoint no longer accepts measurements that old, so those intervals stay empty on the charts",
    };

    private struct Drops
    {
        public int Count;
        public DateTimeOffset From;
        public DateTimeOffset To;
    }
}
