using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// Posts a report every <see cref="HerokuMetricsOptions.PostInterval"/>; a failed report ends the run and a Polly
/// retry strategy restarts it after the backoff delay.
/// </summary>
internal sealed class HerokuMetricsReporter : BackgroundService
{
    // A long outage would otherwise log a Warning every MaxBackoff for as long as it lasts: the first failures are
    // each worth a line, later identical ones are summarised once per period (and stay visible at Debug).
    internal const int FailuresLoggedIndividually = 5;
    internal static readonly TimeSpan FailureSummaryPeriod = TimeSpan.FromHours(1);

    private readonly IOptionsMonitor<HerokuMetricsOptions> _optionsMonitor;
    private readonly HerokuMetricsOptionsReloadGuard _validation;
    private readonly Func<HerokuMetricsClient> _clientFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly RuntimeMetric[]? _metrics;
    private readonly BackoffSchedule _backoff;
    private readonly ResiliencePipeline _pipeline;
    private readonly HerokuMetricsInstruments _instruments;
    private readonly HerokuMetricsStatusWriter _status;

    // Touched only by the reporting run, the retry callbacks it triggers and the shutdown flush after it: never at once.
    private HerokuMetricsOptions _options;
    private HerokuMetricsOptions? _lastSeenOptions;

    // Created on activation: an idle reporter subscribes to no runtime events and opens no files.
    private RuntimeMetricTable? _runtimeMetrics;
    private RuntimeMetricsCollector? _collector;
    private MetricsEndpoint? _endpoint;
    private long _runStartedAt;
    private bool _reportAtRunStart;
    private int _failedAttempts;
    private long _failingSince;
    private string? _lastFailureReason;
    private long _lastFailureWarningAt;
    private int _repeatedFailures;
    private (TimeSpan HttpTimeout, TimeSpan PostInterval) _clampReported;
    private int _flushStarted;

    internal HerokuMetricsReporter(
        IOptionsMonitor<HerokuMetricsOptions> optionsMonitor,
        HerokuMetricsOptionsReloadGuard validation,
        Func<HerokuMetricsClient> clientFactory,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        HerokuMetricsStatusWriter? status = null,
        IMeterFactory? meterFactory = null,
        Func<double>? jitterSample = null,
        RuntimeMetric[]? metrics = null)
    {
        _optionsMonitor = optionsMonitor;
        _validation = validation;
        _clientFactory = clientFactory;
        _logger = loggerFactory.CreateLogger(Log.Category);
        _timeProvider = timeProvider;
        _instruments = new HerokuMetricsInstruments(meterFactory);
        _status = status ?? new HerokuMetricsStatusWriter();
        _metrics = metrics;
        _backoff = new BackoffSchedule(jitterSample ?? Random.Shared.NextDouble);
        _options = new HerokuMetricsOptions();
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                // Anything but shutdown ends a run and is retried: the library never gives up while the host runs.
                ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is not null and not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                DelayGenerator = args => new ValueTask<TimeSpan?>(NextDelay(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    OnRunFailed(args.Outcome.Exception, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Read while the guard still throws, so options replaced by a reload since the host's start-up validation fail the
        // start too; from here on each reloaded instance is checked by the reporter instead.
        _options = _optionsMonitor.CurrentValue;
        _validation.StopThrowing();
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // The run must be over before the flush touches its state; if the host gave up waiting for it, skip.
        if (_endpoint is null || ExecuteTask is not { IsCompleted: true } || !_options.FlushOnShutdown)
        {
            return;
        }

        // IHost.StopAsync may be called more than once and calls every hosted service again; there is one last report only.
        if (Interlocked.Exchange(ref _flushStarted, 1) != 0)
        {
            return;
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _runtimeMetrics?.Dispose();
        _instruments.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!TryActivate())
            {
                return;
            }

            await _pipeline.ExecuteAsync(static (service, token) => service.RunAsync(token), this, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
        catch (Exception ex)
        {
            // The retry strategy handles every failure; this is the last line so nothing can stop the host.
            Log.UnexpectedError(_logger, Describe(ex));
        }
    }

    private bool TryActivate()
    {
        var options = _options;
        if (!options.Enabled)
        {
            Log.Disabled(_logger);
            _status.Idle("disabled by HerokuMetrics:Enabled");
            return false;
        }

        // --- issue 14.5 (one-off dynos): begin ---
        if (!options.ReportOnOneOffDynos && options.Dyno is { } dyno && dyno.StartsWith("run.", StringComparison.Ordinal))
        {
            Log.OneOffDyno(_logger, dyno);
            _status.Idle("disabled: " + dyno + " is a one-off dyno (HerokuMetrics:ReportOnOneOffDynos is false)");
            return false;
        }

        // --- issue 14.5 (one-off dynos): end ---
        if (options.Endpoint is null)
        {
            Log.EndpointNotFound(_logger, HerokuMetricsOptions.EndpointEnvironmentVariable);
            _status.Idle("disabled: " + HerokuMetricsOptions.EndpointEnvironmentVariable + " not found");
            return false;
        }

        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            Log.EndpointEmpty(_logger, options.EndpointSource);
            _status.Idle("disabled: " + options.EndpointSource + " is empty");
            return false;
        }

        _lastSeenOptions = options;
        _endpoint = MetricsEndpoint.Parse(options.Endpoint);
        if (_metrics is null)
        {
            _runtimeMetrics = new RuntimeMetricTable();
        }

        _collector = new RuntimeMetricsCollector(_metrics ?? _runtimeMetrics!.All);
        Log.Started(_logger, _endpoint.Redacted, options.PostInterval, options.Schema);
        _status.Reporting();
        _ = EffectiveTimeout(options);
        return true;
    }

    private async ValueTask RunAsync(CancellationToken cancellationToken)
    {
        _runStartedAt = _timeProvider.GetTimestamp();
        if (_reportAtRunStart)
        {
            // A restarted run delivers what the failed one could not, then keeps the regular cadence.
            await ReportAsync(cancellationToken).ConfigureAwait(false);
        }

        // Ticks are counted from the run's start, so a slow report delays the next one without drifting the cadence,
        // and ticks missed meanwhile collapse into one: reports never overlap or pile up.
        using var timer = new PeriodicTimer(CurrentOptions().PostInterval, _timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await ReportAsync(cancellationToken).ConfigureAwait(false);

            var interval = CurrentOptions().PostInterval;
            if (timer.Period != interval)
            {
                timer.Period = interval;
            }
        }
    }

    /// <summary>Collects, posts and accounts one report; throws <see cref="ReportFailedException"/> when it fails.</summary>
    private async ValueTask<int> ReportAsync(CancellationToken cancellationToken)
    {
        var options = CurrentOptions();
        var endpoint = CurrentEndpoint(options);
        var timeout = EffectiveTimeout(options);

        // Read at send time, so a retried report is never stale (the endpoint rejects data older than ~4 minutes).
        var body = _collector!.Collect(options.Schema, out var count);

        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linkedSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var sentAt = _timeProvider.GetTimestamp();
        ReportResponse response;
        try
        {
            response = await _clientFactory()
                .PostAsync(endpoint, body, count, options.UserAgent, _timeProvider.GetUtcNow(), linkedSource.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            throw Failure(string.Create(CultureInfo.InvariantCulture, $"no response within {timeout}"), "timeout", sentAt, body.Length);
        }
        catch (Exception ex)
        {
            throw Failure(Describe(ex), ex is HttpRequestException or IOException ? "transport" : "error", sentAt, body.Length);
        }

        if (!response.IsSuccess)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"status {(int)response.StatusCode} ({response.StatusCode})");
            throw Failure(reason, HerokuMetricsInstruments.ReasonFor(response.StatusCode), sentAt, body.Length, response);
        }

        _instruments.Sent(_timeProvider.GetElapsedTime(sentAt), body.Length);
        _status.Succeeded(_timeProvider.GetUtcNow());
        _collector!.Acknowledge();
        if (_failedAttempts > 0)
        {
            Log.Recovered(_logger, endpoint.Redacted, _failedAttempts, _timeProvider.GetElapsedTime(_failingSince));
            _failedAttempts = 0;
        }

        Log.ReportDelivered(_logger, count, endpoint.Redacted, (int)response.StatusCode);
        return count;
    }

    private ReportFailedException Failure(string reason, string kind, long sentAt, int payloadBytes, ReportResponse? response = null)
    {
        _instruments.Failed(kind, _timeProvider.GetElapsedTime(sentAt), payloadBytes);
        return new ReportFailedException(reason, kind, response?.StatusCode, response?.RetryAfterDelay(_timeProvider.GetUtcNow()));
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var endpoint = CurrentEndpoint(_options);
        try
        {
            var count = await ReportAsync(cancellationToken).ConfigureAwait(false);
            Log.Flushed(_logger, count, endpoint.Redacted);
        }
        catch (OperationCanceledException)
        {
            Log.FlushFailed(_logger, endpoint.Redacted, "the host's shutdown timeout elapsed");
        }
        catch (Exception ex)
        {
            Log.FlushFailed(_logger, endpoint.Redacted, Describe(ex));
        }
    }

    private TimeSpan NextDelay(Exception? failure)
    {
        var retryAfter = (failure as ReportFailedException)?.RetryAfter;
        return _backoff.NextDelay(CurrentOptions(), _timeProvider.GetElapsedTime(_runStartedAt), retryAfter);
    }

    private void OnRunFailed(Exception? failure, TimeSpan delay)
    {
        if (_failedAttempts++ == 0)
        {
            _failingSince = _timeProvider.GetTimestamp();
        }

        _reportAtRunStart = true;
        _instruments.BackingOff(delay);
        _status.Failed(_timeProvider.GetUtcNow(), (failure as ReportFailedException)?.Kind ?? "error");
        LogFailure(CurrentEndpoint(_options).Redacted, failure is null ? "unknown" : Describe(failure), delay);
    }

    private void LogFailure(string endpoint, string reason, TimeSpan delay)
    {
        var repeat = _failedAttempts > FailuresLoggedIndividually && string.Equals(reason, _lastFailureReason, StringComparison.Ordinal);
        _lastFailureReason = reason;
        if (!repeat)
        {
            Log.ReportFailed(_logger, LogLevel.Warning, endpoint, reason, _failedAttempts, delay);
            _lastFailureWarningAt = _timeProvider.GetTimestamp();
            _repeatedFailures = 0;
            return;
        }

        var sinceWarning = _timeProvider.GetElapsedTime(_lastFailureWarningAt);
        if (sinceWarning < FailureSummaryPeriod)
        {
            Log.ReportFailed(_logger, LogLevel.Debug, endpoint, reason, _failedAttempts, delay);
            _repeatedFailures++;
            return;
        }

        Log.FailuresContinuing(_logger, endpoint, reason, _failedAttempts, _repeatedFailures, sinceWarning, delay);
        _lastFailureWarningAt = _timeProvider.GetTimestamp();
        _repeatedFailures = 0;
    }

    // Options are re-read at every report so a configuration reload applies without a restart. The monitor hands out
    // a new instance only after a reload, so each is validated once; an invalid one is logged and ignored.
    private HerokuMetricsOptions CurrentOptions()
    {
        var candidate = _optionsMonitor.CurrentValue;
        if (ReferenceEquals(candidate, _lastSeenOptions))
        {
            return _options;
        }

        _lastSeenOptions = candidate;
        var result = _validation.Check(Microsoft.Extensions.Options.Options.DefaultName, candidate);
        if (result.Failed)
        {
            Log.InvalidOptionsIgnored(_logger, result.FailureMessage);
        }
        else
        {
            _options = candidate;
        }

        return _options;
    }

    private MetricsEndpoint CurrentEndpoint(HerokuMetricsOptions options)
    {
        // A reload that blanks the endpoint keeps the last one: activation is decided once, at start.
        if (!string.IsNullOrWhiteSpace(options.Endpoint) && !string.Equals(options.Endpoint.Trim(), _endpoint?.Raw, StringComparison.Ordinal))
        {
            _endpoint = MetricsEndpoint.Parse(options.Endpoint);
        }

        return _endpoint!;
    }

    private TimeSpan EffectiveTimeout(HerokuMetricsOptions options)
    {
        var effective = options.EffectiveHttpTimeout;
        if (effective != options.HttpTimeout && _clampReported != (options.HttpTimeout, options.PostInterval))
        {
            _clampReported = (options.HttpTimeout, options.PostInterval);
            Log.HttpTimeoutClamped(_logger, options.HttpTimeout, options.PostInterval, effective);
        }

        return effective;
    }

    // Exception messages can quote the request URL; only the scrubbed text is ever logged.
    private string Describe(Exception exception)
    {
        if (exception is ReportFailedException)
        {
            return exception.Message;
        }

        var text = exception.GetType().Name + ": " + exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            text += " ---> " + inner.GetType().Name + ": " + inner.Message;
        }

        return _endpoint is null ? text : _endpoint.Scrub(text);
    }
}
