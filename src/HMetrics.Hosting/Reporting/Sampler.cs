using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// Takes a sample every interval, whether or not the endpoint is up, and hands it to the backlog.
/// </summary>
/// <remarks>
/// One timer, re-armed after each sample for the next due time of the <see cref="SampleSchedule"/>: no thread, no task
/// and no allocation per sample. A new interval re-arms it at once.
/// </remarks>
internal sealed class Sampler : IDisposable
{
    private readonly RuntimeMetricsCollector _collector;
    private readonly SampleBacklog _backlog;
    private readonly TimeProvider _timeProvider;
    private readonly SafeLogger _logger;
    private readonly Action<DateTimeOffset, DateTimeOffset> _dropped;
    private readonly Action _sampled;
    private readonly Lock _lock = new();
    private readonly long _origin;
    private readonly SampleSchedule _schedule;
    private ITimer _timer;
    private HerokuMetricsSchema _schema;
    private bool _stopped;

    /// <param name="collector">Reads the metrics.</param>
    /// <param name="backlog">Where samples wait for delivery.</param>
    /// <param name="settings">The interval and schema to start with.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="origin">The timestamp the schedule counts from: the reporter's start, which may lie before this call.</param>
    /// <param name="logger">For a sample that could not be taken.</param>
    /// <param name="dropped">Told of a sample the full backlog had to drop (its measurement time, twice).</param>
    /// <param name="sampled">Told that a sample is waiting.</param>
    public Sampler(
        RuntimeMetricsCollector collector,
        SampleBacklog backlog,
        ReporterSettings settings,
        TimeProvider timeProvider,
        long origin,
        SafeLogger logger,
        Action<DateTimeOffset, DateTimeOffset> dropped,
        Action sampled)
    {
        _collector = collector;
        _backlog = backlog;
        _timeProvider = timeProvider;
        _logger = logger;
        _dropped = dropped;
        _sampled = sampled;
        _schema = settings.Schema;
        _schedule = new SampleSchedule(settings.PostInterval);
        _origin = origin;

        // Held while the timer is made: a clock that fires it before CreateTimer returns (a test's fake clock, a stalled
        // thread) waits here until the timer can be re-armed.
        lock (_lock)
        {
            var due = _schedule.NextDue - Now();
            _timer = timeProvider.CreateTimer(static s => ((Sampler)s!).OnDue(), this, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Applies new settings: a new interval takes effect from the last sample, a new schema from the next.</summary>
    public void Apply(ReporterSettings settings)
    {
        lock (_lock)
        {
            _schema = settings.Schema;
            _backlog.Resize(settings.PostInterval);
            if (_stopped || settings.PostInterval == _schedule.Interval)
            {
                return;
            }

            var now = Now();
            _schedule.Retime(settings.PostInterval, now);
            _ = _timer.Change(_schedule.NextDue - now, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops the timer and takes one last sample, for the flush: its counters cover the time since the last one.</summary>
    public void TakeFinal()
    {
        lock (_lock)
        {
            _stopped = true;
            _ = _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Take();
        }
    }

    /// <summary>Stops sampling.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            _ = _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();

    private TimeSpan Now() => _timeProvider.GetElapsedTime(_origin);

    private void OnDue()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            try
            {
                Take();
            }
            catch (Exception ex)
            {
                // A reading that throws must not stop the schedule: that interval is lost, the next one is taken.
                Log.SamplingFailed(_logger, Log.Time(_timeProvider.GetUtcNow()), FailureText.Describe(ex, endpoint: null, withStackTrace: true));
            }

            var now = Now();
            _schedule.Taken(now);
            _ = _timer.Change(_schedule.NextDue - now, Timeout.InfiniteTimeSpan);
        }

        _sampled();
    }

    private void Take()
    {
        var evicted = _backlog.Add(
            _timeProvider.GetUtcNow(),
            static (sample, self) => self._collector.Sample(self._schema, sample.Body),
            this);
        if (evicted is { } at)
        {
            _dropped(at, at);
        }
    }
}
