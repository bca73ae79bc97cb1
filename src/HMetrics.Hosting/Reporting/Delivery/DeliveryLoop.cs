using System.Runtime.CompilerServices;

namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// The async shell around <see cref="DeliveryStateMachine"/>: it waits, sends and runs Polly's retry strategy, and asks
/// the state machine for every decision.
/// </summary>
/// <remarks>
/// Until the first failure the loop runs the delivery runs itself; from then on each runs in a Polly execution
/// (<see cref="RetryPipeline"/>), and Polly owns the backoff: its exponential delays, jitter, <c>MaxDelay</c>, and a
/// <c>Retry-After</c> or a paid retry through its delay generator (<see cref="DeliveryRetry"/>).
/// </remarks>
internal sealed class DeliveryLoop
{
    private readonly DeliveryStateMachine _machine;
    private readonly SampleSender _sender;
    private readonly ReporterSettingsSource _settings;
    private readonly SteadyClock _clock;
    private readonly SafeLogger _logger;
    private readonly WakeSignal _available;

    // Made at the first failure; until then nothing of Polly is loaded (RetryPipeline).
    private RetryPipeline? _retries;

    public DeliveryLoop(DeliveryStateMachine machine, SampleSender sender, ReporterSettingsSource settings, SteadyClock clock, SafeLogger logger)
    {
        _machine = machine;
        _sender = sender;
        _settings = settings;
        _clock = clock;
        _logger = logger;
        _available = new WakeSignal(logger);
    }

    /// <summary>
    /// The sampler took a sample: a regular report still in flight has reached its deadline, and the loop wakes. Called on
    /// the sampler's timer; wake-ups do not pile up.
    /// </summary>
    public void SampleTaken()
    {
        _sender.EndTickAttempt();
        _available.Set();
    }

    /// <summary>Delivers until <paramref name="stoppingToken"/> is cancelled; never gives up before that.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_retries is null)
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await ExecuteWithRetriesAsync(firstFailure: null, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (ReportFailedException first) when (_retries is null)
            {
                // The reporter's first failure: from here on Polly owns the retries, this failure being its first attempt.
                try
                {
                    await ExecuteWithRetriesAsync(first, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Every failure of a send is Polly's to retry; reaching here is a bug of ours. Delivery goes on after one
                // backoff cap rather than stop for the rest of the process's life.
                Log.UnexpectedError(_logger, "delivery", FailureText.Describe(ex, _settings.Current.Endpoint, withStackTrace: true));
                try
                {
                    await Task.Delay(_settings.Current.MaxBackoff, _clock.Time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The shutdown flush, once the loop has ended: the final sample first, then what the backlog still holds, oldest first,
    /// within the flush bound and the host's shutdown token; whatever is left is counted as dropped and logged with the
    /// reason.
    /// </summary>
    public async Task FlushAsync(CancellationToken hostToken)
    {
        var settings = _settings.Current;
        if (hostToken.IsCancellationRequested)
        {
            _machine.Stop(FlushBound.NoTimeGiven);
            return;
        }

        // The whole flush is bounded, on a timer of the library's own; the host's token ends it too. Neither cancels on the
        // timer's or the host's thread directly (Guard.Cancel contains what other parties registered on the token).
        var bound = settings.FlushTimeout;
        using var flush = new FlushBound();
        using var timer = Guard.CreateTimer(_clock.Time, static s => ((FlushBound)s!).Elapse(), flush, bound, Timeout.InfiniteTimeSpan, _logger);
        using var host = Guard.Register(hostToken, static s => ((FlushBound)s!).Stop(), flush, _logger);
        string? failure = null;
        try
        {
            while (_machine.NextForFlush(_clock.Now) is { } sample)
            {
                try
                {
                    var result = await _sender.SendAsync(sample, settings, bound, flush.Token).ConfigureAwait(false);
                    _machine.FlushDelivered(_clock.Now, (int)result.Status, result.Metrics);
                }
                catch (ReportFailedException rejected) when (rejected.RejectsSample)
                {
                    _ = _machine.Failed(_clock.Now, rejected);
                }
            }
        }
        catch (OperationCanceledException)
        {
            _machine.Abandoned();
            failure = flush.Elapsed
                ? "no response within " + bound.ToString("c", System.Globalization.CultureInfo.InvariantCulture)
                : "the host's shutdown timeout elapsed";
        }
        catch (ReportFailedException failed)
        {
            _ = _machine.Failed(_clock.Now, failed);
            failure = SampleSender.Describe(failed, settings.Endpoint);
        }
        catch (Exception ex)
        {
            _machine.Abandoned();
            failure = SampleSender.Describe(ex, settings.Endpoint);
        }

        _machine.Stop(failure);
    }

    /// <summary>The loop never ended (the host stopped waiting for it): nothing is sent, what waits is counted and logged.</summary>
    public void Abandon(string why) => _machine.Stop(why);

    // Pooled: a retry would otherwise allocate a state machine per attempt.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RunOnceAsync(CancellationToken cancellationToken)
    {
        _machine.BeginRun(_clock.Now);
        while (true)
        {
            var settings = _settings.Current;
            if (_retries is { } retries && !retries.Serves(settings))
            {
                // A reload changed the backoff: end this execution so the next one runs under the new settings.
                return;
            }

            var decision = _machine.Next(_clock.Now, settings);
            switch (decision.Action)
            {
                case DeliveryAction.WaitForSample:
                    await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case DeliveryAction.AllClear:
                    return;
                case DeliveryAction.Wait:
                    await Task.Delay(decision.Delay, _clock.Time, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await SendAsync(decision, settings, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(DeliveryDecision decision, ReporterSettings settings, CancellationToken cancellationToken)
    {
        SendResult result;
        try
        {
            result = await _sender.SendAsync(decision.Sample!, settings, decision.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ReportFailedException failure)
        {
            if (_machine.Failed(_clock.Now, failure))
            {
                throw;
            }

            return;
        }
        catch
        {
            _machine.Abandoned();
            throw;
        }

        _machine.Delivered(_clock.Now, (int)result.Status, result.Metrics);
    }

    private ValueTask ExecuteWithRetriesAsync(Exception? firstFailure, CancellationToken cancellationToken)
    {
        _retries ??= new RetryPipeline(_machine, _settings, _clock.Time, _logger);
        return _retries.ExecuteAsync(RunOnceAsync, firstFailure, cancellationToken);
    }
}
