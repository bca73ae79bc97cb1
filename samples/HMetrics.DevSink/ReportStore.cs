using Microsoft.Extensions.Options;

namespace HMetrics.DevSink;

/// <summary>
/// The last hour of accepted reports per dyno path, and the last requests of any outcome, in memory and bounded.
/// </summary>
/// <remarks>
/// <para>
/// Reports are kept in the order of their <c>Measurements-Time</c>, not of arrival: after an outage the reporter
/// backfills, and late reports (each with its own older time) can arrive after newer ones. Charting them in arrival
/// order would draw the line backwards. The retention and the per-dyno cap drop the oldest <em>measured</em> first.
/// </para>
/// <para>One lock: a dev sink receives a report every few seconds, and the page reads a few times a second.</para>
/// </remarks>
public sealed class ReportStore
{
    private readonly Lock _lock = new();
    private readonly DevSinkOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, DynoReports> _dynos = new(StringComparer.Ordinal);
    private readonly Queue<RequestRecord> _requests = new();
    private long _sequence;

    /// <summary>Creates the store.</summary>
    public ReportStore(IOptions<DevSinkOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider;
    }

    /// <summary>The dyno paths heard from, most recent first, with how many reports are kept for each.</summary>
    public IReadOnlyList<DynoSummary> Dynos()
    {
        lock (_lock)
        {
            Prune(_timeProvider.GetUtcNow());
            return [.. _dynos.Values
                .OrderByDescending(static d => d.LastSequence)
                .Select(static d => new DynoSummary(d.Path, d.Reports.Count, d.LastSeen))];
        }
    }

    /// <summary>
    /// The reports kept for <paramref name="dyno"/> whose sequence (order of arrival) is above <paramref name="since"/>,
    /// ordered by <see cref="StoredReport.MeasuredAt"/>, oldest first (arrival order among equal times).
    /// </summary>
    public IReadOnlyList<StoredReport> Reports(string dyno, long since = 0)
    {
        lock (_lock)
        {
            Prune(_timeProvider.GetUtcNow());
            return _dynos.TryGetValue(dyno, out var reports)
                ? [.. reports.Reports.Where(r => r.Sequence > since)]
                : [];
        }
    }

    /// <summary>The most recent requests, newest first.</summary>
    public IReadOnlyList<RequestRecord> Requests(int max)
    {
        lock (_lock)
        {
            return [.. _requests.Reverse().Take(max)];
        }
    }

    internal StoredReport Add(string dyno, ParsedReport report)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            Prune(now);
            if (!_dynos.TryGetValue(dyno, out var reports))
            {
                if (_dynos.Count >= _options.MaxDynos)
                {
                    var stalest = _dynos.Values.MinBy(static d => d.LastSequence)!;
                    _ = _dynos.Remove(stalest.Path);
                }

                reports = new DynoReports(dyno);
                _dynos.Add(dyno, reports);
            }

            var stored = new StoredReport(++_sequence, now, report.MeasuredAt ?? now, report.Counters, report.Gauges);
            reports.Insert(stored);
            reports.LastSeen = now;
            reports.LastSequence = stored.Sequence;
            if (reports.Reports.Count > _options.MaxReportsPerDyno)
            {
                reports.Reports.RemoveRange(0, reports.Reports.Count - _options.MaxReportsPerDyno);
            }

            return stored;
        }
    }

    internal void Record(RequestRecord request)
    {
        lock (_lock)
        {
            _requests.Enqueue(request);
            while (_requests.Count > _options.MaxRecentRequests)
            {
                _ = _requests.Dequeue();
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        var oldest = now - _options.Retention;
        List<string>? empty = null;
        foreach (var dyno in _dynos.Values)
        {
            var expired = 0;
            while (expired < dyno.Reports.Count && dyno.Reports[expired].MeasuredAt < oldest)
            {
                expired++;
            }

            dyno.Reports.RemoveRange(0, expired);

            if (dyno.Reports.Count == 0)
            {
                (empty ??= []).Add(dyno.Path);
            }
        }

        foreach (var path in empty ?? [])
        {
            _ = _dynos.Remove(path);
        }
    }

    private sealed class DynoReports(string path)
    {
        public string Path { get; } = path;

        // Sorted by MeasuredAt, then Sequence.
        public List<StoredReport> Reports { get; } = [];

        public DateTimeOffset LastSeen { get; set; }

        // Orders dynos by recency even when reports share a timestamp.
        public long LastSequence { get; set; }

        // Usually an append; a backfilled report goes before the newer ones already kept.
        public void Insert(StoredReport report)
        {
            var index = Reports.Count;
            while (index > 0 && Reports[index - 1].MeasuredAt > report.MeasuredAt)
            {
                index--;
            }

            Reports.Insert(index, report);
        }
    }
}

/// <summary>A dyno path the sink has reports for.</summary>
/// <param name="Dyno">The path after <c>/metrics/</c>.</param>
/// <param name="Reports">How many reports are kept.</param>
/// <param name="LastSeen">When the last one arrived.</param>
public sealed record DynoSummary(string Dyno, int Reports, DateTimeOffset LastSeen);
