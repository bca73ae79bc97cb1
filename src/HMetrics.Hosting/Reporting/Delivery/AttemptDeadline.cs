namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// The deadline of the one attempt in flight: an exact timeout on a timer of the library's own, or the next sampling tick,
/// and the caller's token. Reused for every attempt; an attempt on the steady path arms nothing.
/// </summary>
/// <remarks>
/// <para>
/// A deadline that passes does not cancel the request on the timer's thread: it queues the cancellation on the thread
/// pool's ordinary queue, behind whatever the pool already has to run. When the pool is starved (the app blocked its
/// threads), the answer to the request may have arrived and be queued, waiting for a thread; the runtime's own timeout
/// would cancel ahead of it at the timer's priority, the connection would be aborted, and a sample the endpoint had
/// accepted would be sent again. Queued behind it, the cancellation finds the attempt answered.
/// </para>
/// <para>
/// Cancelling runs the callbacks the handlers registered on the request's token: the library's timer never runs them
/// itself, and <see cref="Guard.Cancel"/> contains whatever they throw. Each cancellation carries the attempt it was meant
/// for, so one that runs late never cancels the attempt after it.
/// </para>
/// </remarks>
internal sealed class AttemptDeadline : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SafeLogger _logger;
    private readonly ITimer _timer;
    private CancellationTokenSource _source = new();
    private long _attempt;
    private bool _armed;
    private bool _untilTick;
    private CancellationToken _registeredFor;
    private CancellationTokenRegistration _registration;

    public AttemptDeadline(TimeProvider time, SafeLogger logger)
    {
        _logger = logger;
        _timer = Guard.CreateTimer(time, static s => ((AttemptDeadline)s!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan, logger);
    }

    /// <summary>Gets whether the current attempt's deadline (not the caller) ended it.</summary>
    public bool Expired { get; private set; }

    /// <summary>Starts an attempt.</summary>
    /// <param name="timeout">The exact deadline; <see langword="null"/> when the next sampling tick is the deadline.</param>
    /// <param name="caller">The caller's token: it cancels the attempt at once, as the caller's (the host stops).</param>
    /// <returns>The attempt's token.</returns>
    public CancellationToken Arm(TimeSpan? timeout, CancellationToken caller)
    {
        CancellationToken token;
        lock (_lock)
        {
            if (_source.IsCancellationRequested)
            {
                _source.Dispose();
                _source = new CancellationTokenSource();
            }

            _attempt++;
            (_armed, _untilTick, Expired) = (true, timeout is null, false);
            if (timeout is { } exact)
            {
                _ = _timer.Change(exact, Timeout.InfiniteTimeSpan);
            }

            token = _source.Token;
        }

        if (caller != _registeredFor)
        {
            // Unregister, not Dispose: Dispose would wait for a callback that may be waiting for this lock.
            _ = _registration.Unregister();
            _registeredFor = caller;
            _registration = Guard.Register(caller, static s => ((AttemptDeadline)s!).CallerCancelled(), this, _logger);
        }

        if (caller.IsCancellationRequested)
        {
            CallerCancelled();
        }

        return token;
    }

    /// <summary>Ends the attempt: its deadline no longer applies.</summary>
    public void Disarm()
    {
        lock (_lock)
        {
            (_armed, _untilTick) = (false, false);
            _ = _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (!_source.TryReset())
            {
                _source.Dispose();
                _source = new CancellationTokenSource();
            }
        }
    }

    /// <summary>The sampler took the next sample: an attempt whose deadline is the tick has reached it.</summary>
    public void Tick()
    {
        lock (_lock)
        {
            if (_armed && _untilTick)
            {
                QueueCancellation();
            }
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        _timer.Dispose();
        lock (_lock)
        {
            _source.Dispose();
        }
    }

    private void Expire()
    {
        lock (_lock)
        {
            if (_armed && !_untilTick)
            {
                QueueCancellation();
            }
        }
    }

    private void QueueCancellation() =>
        Guard.Queue(static s => ((Queued)s!).Run(), new Queued(this, _attempt), _logger);

    private void CancelIfStill(long attempt)
    {
        lock (_lock)
        {
            if (_armed && attempt == _attempt)
            {
                Expired = true;
                _ = Guard.Cancel(_source);
            }
        }
    }

    private void CallerCancelled()
    {
        lock (_lock)
        {
            _ = Guard.Cancel(_source);
        }
    }

    private sealed class Queued(AttemptDeadline deadline, long attempt)
    {
        public void Run() => deadline.CancelIfStill(attempt);
    }
}
