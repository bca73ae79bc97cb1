using System.Threading.Tasks.Sources;

namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// An auto-reset wake-up for one waiter that allocates nothing per wait, and resumes the waiter on the thread that sets it.
/// </summary>
/// <remarks>
/// <see cref="SemaphoreSlim.WaitAsync(CancellationToken)"/> allocated a task, an async state machine and a token
/// registration for every report, and always resumed the waiter through the thread pool: one more worker woken (and
/// spinning) per report. Here the waiter resumes inline on the sampler's timer callback, which has nothing else to do, and
/// the caller's token is registered once per token rather than once per wait.
/// </remarks>
internal sealed class WakeSignal(SafeLogger logger) : IValueTaskSource
{
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _set;
    private bool _waiting;
    private CancellationToken _registeredFor;
    private CancellationTokenRegistration _registration;

    /// <summary>Wakes the waiter, or the next wait if none waits; wake-ups do not pile up. Safe from any thread.</summary>
    public void Set()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _set = true;
                return;
            }

            _waiting = false;
        }

        _core.SetResult(true);
    }

    /// <summary>Waits for <see cref="Set"/>; one waiter at a time, each result awaited once.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_set)
            {
                _set = false;
                return default;
            }

            if (cancellationToken != _registeredFor)
            {
                // Unregister, not Dispose: Dispose would wait for a callback that is itself waiting for this lock.
                _ = _registration.Unregister();
                _registeredFor = cancellationToken;
                _registration = Guard.Register(cancellationToken, static s => ((WakeSignal)s!).Cancel(), this, logger);
            }

            // Checked after registering: a token cancelled before that ran the callback already, while nothing waited.
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled(cancellationToken);
            }

            _core.Reset();
            _waiting = true;
            return new ValueTask(this, _core.Version);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Cancel()
    {
        CancellationToken token;
        lock (_lock)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            token = _registeredFor;
        }

        _core.SetException(new OperationCanceledException(token));
    }
}
