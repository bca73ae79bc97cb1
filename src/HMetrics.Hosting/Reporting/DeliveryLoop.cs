using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// Delivers the backlog oldest first, each sample its own POST with its own <c>Measurements-Time</c>, paced after an
/// outage, retried under Polly's backoff.
/// </summary>
/// <remarks>
/// One Polly execution is one delivery run. A failed attempt ends the run; Polly waits its delay and starts it again,
/// and the same oldest sample is tried again unless it has expired meanwhile. A run that has delivered and lasted
/// <see cref="ReporterSettings.BackoffResetAfter"/> ends by itself, so the next failure starts again from the initial
/// backoff. While a backlog drains, <see cref="DrainPacer"/> spaces the POSTs; in steady state nothing waits.
/// docs/fleet-simulation.md has the numbers.
/// </remarks>
internal sealed class DeliveryLoop
{
    private readonly SampleBacklog _backlog;
    private readonly SampleSender _sender;
    private readonly ReporterSettingsSource _settings;
    private readonly ReportingContext _context;
    private readonly WakeSignal _available = new();
    private readonly DrainPacer _pacer;

    // Two reference fields, not a tuple: a struct field naming a Polly type makes loading this class load Polly, and the
    // class is loaded as soon as activation is compiled; this way Polly loads when the loop first runs.
    private ReporterSettings? _pipelineSettings;
    private ResiliencePipeline? _pipeline;

    public DeliveryLoop(SampleBacklog backlog, SampleSender sender, ReporterSettingsSource settings, ReportingContext context)
    {
        _backlog = backlog;
        _sender = sender;
        _settings = settings;
        _context = context;
        _pacer = new DrainPacer(context.Time);
    }

    /// <summary>Wakes the loop: a sample is waiting. Safe from any thread; wake-ups do not pile up.</summary>
    public void Signal() => _available.Set();

    /// <summary>Delivers until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await PipelineFor(_settings.Current)
                .ExecuteAsync(static (self, token) => self.DeliverUntilAllClearAsync(token), this, stoppingToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Sends the oldest waiting sample once, outside the retry policy (the flush).</summary>
    /// <returns>Whether a sample was delivered; <see langword="false"/> when none waits.</returns>
    public async ValueTask<bool> TrySendOldestAsync(ReporterSettings settings, CancellationToken cancellationToken)
    {
        DropExpired();
        if (!_backlog.TryBeginSend(out var sample))
        {
            return false;
        }

        _ = await SendAsync(sample, settings, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Sends the newest sample once, outside the retry policy: the flush's final sample.</summary>
    /// <returns>The number of metrics delivered; 0 when no sample waits.</returns>
    public async ValueTask<int> SendNewestAsync(ReporterSettings settings, CancellationToken cancellationToken)
    {
        if (!_backlog.TryPeekNewest(out var sample))
        {
            return 0;
        }

        // The loop has ended, so nothing else touches the backlog: the newest needs no in-flight mark.
        var status = await _sender.SendAsync(sample, settings, cancellationToken).ConfigureAwait(false);
        _ = _context.Status.Succeeded(_context.Time.GetUtcNow());
        var count = sample.Count;
        _backlog.RemoveNewest();
        _context.Status.Backlog(_backlog.Count);
        Log.ReportDelivered(_context.Logger, count, settings.Endpoint.Redacted, (int)status);
        return count;
    }

    /// <summary>Sends one sample and accounts for the outcome; throws <see cref="ReportFailedException"/> when it fails.</summary>
    /// <remarks>The sample must be the backlog's head, marked in flight. Its state machine is pooled: one per attempt otherwise.</remarks>
    /// <returns>The timestamp of the answer.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<long> SendAsync(Sample sample, ReporterSettings settings, CancellationToken cancellationToken)
    {
        var remove = false;
        try
        {
            var status = await _sender.SendAsync(sample, settings, cancellationToken).ConfigureAwait(false);
            var deliveredAt = _context.Time.GetTimestamp();
            remove = true;
            var (failures, since) = _context.Status.Succeeded(_context.Time.GetUtcNow());
            _context.Failures.Recovered(settings.Endpoint.Redacted, failures, since is { } s ? _context.Time.GetUtcNow() - s : TimeSpan.Zero);
            Log.ReportDelivered(_context.Logger, sample.Count, settings.Endpoint.Redacted, (int)status);
            return deliveredAt;
        }
        catch (ReportFailedException failure) when (failure.RejectsSample)
        {
            // Re-sending the same bytes cannot succeed; keeping the sample would block everything behind it.
            remove = true;
            Log.SampleRejected(_context.Logger, settings.Endpoint.Redacted, Log.Time(sample.MeasuredAt), (int)failure.StatusCode!.Value);
            _context.Dropped(1);
            throw;
        }
        finally
        {
            _backlog.EndSend(remove);
            _context.Status.Backlog(_backlog.Count);
        }
    }

    /// <summary>Drops what the endpoint would no longer accept.</summary>
    public void DropExpired()
    {
        var (count, from, to) = _backlog.DropOlderThan(_context.Time.GetUtcNow() - SampleBacklog.MaxAge);
        if (count > 0)
        {
            _context.Dropped(count);
            _context.Failures.Dropped(count, from, to);
            _context.Status.Backlog(_backlog.Count);
        }
    }

    private async ValueTask DeliverUntilAllClearAsync(CancellationToken cancellationToken)
    {
        var runStarted = _context.Time.GetTimestamp();
        var delivered = false;
        while (true)
        {
            var sample = await NextAsync(cancellationToken).ConfigureAwait(false);
            var settings = _settings.Current;
            if (delivered && _context.Time.GetElapsedTime(runStarted) >= settings.BackoffResetAfter)
            {
                // All clear: the run ends well, and the next execution starts Polly's attempt count from zero.
                _backlog.EndSend(remove: false);
                _pacer.AllClear();
                return;
            }

            // Only what already waited behind this sample counts: one taken while this is sent is simply the next.
            var waitingBehind = _backlog.Count > 1;
            var wait = _pacer.WaitBeforeSend(waitingBehind, settings.PostInterval, settings.UseJitter ? Random.Shared.NextDouble() : 0.5);
            if (wait > TimeSpan.Zero)
            {
                // The sample stays in flight while it waits, so the sampler never reuses its slot.
                try
                {
                    await Task.Delay(wait, _context.Time, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _backlog.EndSend(remove: false);
                    throw;
                }
            }

            var deliveredAt = await SendAsync(sample, settings, cancellationToken).ConfigureAwait(false);
            _pacer.Delivered(deliveredAt, waitingBehind, waited: wait > TimeSpan.Zero);
            delivered = true;
            _context.Instruments.BackingOff(TimeSpan.Zero);
        }
    }

    private async ValueTask<Sample> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            DropExpired();
            if (_backlog.TryBeginSend(out var sample))
            {
                return sample;
            }

            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private ResiliencePipeline PipelineFor(ReporterSettings settings)
    {
        if (_pipeline is { } cached && ReferenceEquals(_pipelineSettings, settings))
        {
            return cached;
        }

        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _context.Time }
            .AddRetry(DeliveryRetry.Create(settings, OnRetry))
            .Build();
        _pipelineSettings = settings;
        _pipeline = pipeline;
        return pipeline;
    }

    private ValueTask OnRetry(OnRetryArguments<object> args)
    {
        _pacer.Failed();
        var failure = args.Outcome.Exception;
        var kind = (failure as ReportFailedException)?.Kind ?? "error";
        var attempt = _context.Status.Failed(_context.Time.GetUtcNow(), kind);
        _context.Instruments.BackingOff(args.RetryDelay);
        var endpoint = _settings.Current.Endpoint;
        _context.Failures.Failed(endpoint.Redacted, failure is null ? "unknown" : SampleSender.Describe(failure, endpoint), attempt, args.RetryDelay);
        return default;
    }
}
