namespace HMetrics.Hosting.Reporting.Sampling;

/// <summary>
/// Takes a sample every interval, whether or not the endpoint is up, and hands it to the backlog.
/// </summary>
/// <remarks>
/// One timer, re-armed after each sample for the next due time of the <see cref="SampleSchedule"/>: no thread, no task
/// and no allocation per sample. A new interval re-arms it at once. Sampling decides nothing about delivery: it adds to
/// the backlog and says a sample is waiting; expiry and everything else belong to delivery, on delivery's own task.
/// </remarks>
internal sealed class Sampler : IDisposable
{
    private readonly RuntimeReader _reader;
    private readonly SampleBacklog _backlog;
    private readonly SteadyClock _clock;
    private readonly SafeLogger _logger;
    private readonly IReportingObserver _observer;
    private readonly Action _sampled;
    private readonly Lock _lock = new();
    private readonly SampleSchedule _schedule;
    private ITimer _timer;
    private HerokuMetricsSchema _schema;
    private bool _stopped;

    /// <param name="reader">Reads the runtime.</param>
    /// <param name="backlog">Where samples wait for delivery.</param>
    /// <param name="settings">The interval and schema to start with.</param>
    /// <param name="clock">The reporter's steady clock: the schedule counts from its start, which may lie before this call.</param>
    /// <param name="logger">For a sample that could not be taken.</param>
    /// <param name="observer">Told of a sample the full backlog had to drop, and of the backlog's size.</param>
    /// <param name="phase">Where in the first interval the first sample is taken.</param>
    /// <param name="sampled">Told that a sample is waiting.</param>
    public Sampler(
        RuntimeReader reader,
        SampleBacklog backlog,
        ReporterSettings settings,
        SteadyClock clock,
        SafeLogger logger,
        IReportingObserver observer,
        StartPhase phase,
        Action sampled)
    {
        _reader = reader;
        _backlog = backlog;
        _clock = clock;
        _logger = logger;
        _observer = observer;
        _sampled = sampled;
        _schema = settings.Schema;
        _schedule = new SampleSchedule(settings.PostInterval, phase.FirstDue(settings.PostInterval));

        // Held while the timer is made: a clock that fires it before CreateTimer returns (a test's fake clock, a stalled
        // thread) waits here until the timer can be re-armed.
        lock (_lock)
        {
            var due = _schedule.NextDue - clock.Now;
            _timer = Guard.CreateTimer(clock.Time, static s => ((Sampler)s!).OnDue(), this, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan, logger);
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

            var now = _clock.Now;
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
            TryTake();
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
                TryTake();
            }
            finally
            {
                // Re-armed whatever the sample did: the timer is one-shot, so a failure that left here unarmed (the
                // app's clock failing again while SamplingFailed is written) would stop sampling for good.
                var now = _clock.Now;
                _schedule.Taken(now);
                _ = _timer.Change(_schedule.NextDue - now, Timeout.InfiniteTimeSpan);
            }
        }

        _sampled();
    }

    private void TryTake()
    {
        try
        {
            var (evicted, from, to) = _backlog.Add(_clock.WallNow, _clock.Now, static (sample, self) => self.Read(sample), this);
            if (evicted > 0)
            {
                _observer.Dropped(evicted, from, to, DropReason.Expired);
            }

            _observer.BacklogChanged(_backlog.Count);
        }
        catch (Exception ex)
        {
            // A reading that throws must not stop the schedule: that interval is lost, the next one is taken.
            Log.SamplingFailed(_logger, Log.Time(_clock.WallNow), FailureText.Describe(ex, endpoint: null, withStackTrace: true));
        }
    }

    private void Read(Sample sample)
    {
        sample.Schema = _schema;
        sample.Interval = _schedule.Interval;
        _reader.Read(_schema, sample.Counters, sample.Gauges);
    }
}
