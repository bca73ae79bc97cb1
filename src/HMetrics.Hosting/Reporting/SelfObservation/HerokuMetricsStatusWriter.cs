namespace HMetrics.Hosting.Reporting.SelfObservation;

/// <summary>
/// The one owner of the reporter's observable state: the parts of the reporter write it, anything may read it.
/// </summary>
/// <remarks>
/// Writes change fields under a lock and allocate nothing, so a report costs no snapshot; a reader builds its immutable
/// <see cref="HerokuMetricsStatus"/> from the fields.
/// </remarks>
internal sealed class HerokuMetricsStatusWriter : IHerokuMetricsStatusProvider
{
    private readonly Lock _lock = new();
    private HerokuMetricsState _state;
    private string? _idleReason;
    private DateTimeOffset? _lastSuccess;
    private int _consecutiveFailures;
    private DateTimeOffset? _failingSince;
    private string? _lastFailure;
    private int _backlog;
    private long _dropped;

    public HerokuMetricsStatus Current
    {
        get
        {
            lock (_lock)
            {
                return new HerokuMetricsStatus(_state, _idleReason, _lastSuccess, _consecutiveFailures, _failingSince, _lastFailure, _backlog, _dropped);
            }
        }
    }

    /// <summary>Gets how many attempts have failed since the last success.</summary>
    public int ConsecutiveFailures
    {
        get
        {
            lock (_lock)
            {
                return _consecutiveFailures;
            }
        }
    }

    public void Idle(string why)
    {
        lock (_lock)
        {
            _state = HerokuMetricsState.Idle;
            _idleReason = why;
        }
    }

    public void Reporting()
    {
        lock (_lock)
        {
            _state = HerokuMetricsState.Reporting;
        }
    }

    public void Stopped()
    {
        lock (_lock)
        {
            if (_state == HerokuMetricsState.Reporting)
            {
                _state = HerokuMetricsState.Stopped;
            }
        }
    }

    /// <summary>Records a delivered report.</summary>
    /// <returns>The failed attempts the success ended; 0 if reports were flowing.</returns>
    public int Succeeded(DateTimeOffset now)
    {
        lock (_lock)
        {
            var ended = _consecutiveFailures;
            _lastSuccess = now;
            _consecutiveFailures = 0;
            _failingSince = null;
            _lastFailure = null;
            return ended;
        }
    }

    /// <summary>Records a failed attempt.</summary>
    /// <param name="now">When it failed.</param>
    /// <param name="kind">The failure class (http_5xx, timeout, ...), never free text that could quote the URL.</param>
    /// <returns>The number of consecutive failures, this one included.</returns>
    public int Failed(DateTimeOffset now, string kind)
    {
        lock (_lock)
        {
            _failingSince ??= now;
            _lastFailure = kind;
            return ++_consecutiveFailures;
        }
    }

    public void Backlog(int size)
    {
        lock (_lock)
        {
            _backlog = size;
        }
    }

    public void Dropped(int samples)
    {
        lock (_lock)
        {
            _dropped += samples;
        }
    }
}
