using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The hosted service, lifecycle only: decides at start whether to report, activates the parts once the host has
/// started, runs delivery, and stops them when the host stops.
/// </summary>
/// <remarks>
/// Nothing escapes to the host: activation, delivery and the flush end in a log line at worst, and
/// <see cref="StopAsync"/> never throws.
/// </remarks>
internal sealed class HerokuMetricsReporter : BackgroundService
{
    private readonly ReportingDependencies _dependencies;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IHostApplicationLifetime? _lifetime;
    private SafeLogger _logger = SafeLogger.None;
    private HerokuMetricsOptions? _startOptions;
    private long _startedAt;

    // Made on activation: an idle reporter subscribes to no runtime events, opens no files and starts no timer.
    private ActiveParts? _active;
    private int _stopStarted;

    internal HerokuMetricsReporter(ReportingDependencies dependencies, ILoggerFactory loggerFactory, IHostApplicationLifetime? lifetime = null)
    {
        // Captures only: whatever loads assemblies or JIT-compiles much waits for ExecuteAsync, after the host started.
        _dependencies = dependencies;
        _loggerFactory = loggerFactory;
        _lifetime = lifetime;
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Still the host's start: options replaced by a reload since its start-up validation fail it too. From here on
        // each change is checked by the settings source instead, and an invalid one is ignored.
        _startOptions = _dependencies.OptionsMonitor.CurrentValue;
        _dependencies.OptionsPipeline.ThrowIfInvalid(_startOptions);
        _logger = Guard.CreateLogger(_loggerFactory);

        // The sampling schedule counts from here, however late activation comes: the first report is due one interval
        // after the reporter started.
        _startedAt = _dependencies.Time.GetTimestamp();
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A token cancelled before stop began is the host giving no time at all, not a shutdown timeout that elapsed: the
        // reason logged for what is lost must say which.
        var givenNoTime = cancellationToken.IsCancellationRequested;
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);

            // IHost.StopAsync may be called more than once and calls every hosted service again; there is one stop only.
            if (_active is not { } active || Interlocked.Exchange(ref _stopStarted, 1) != 0)
            {
                return;
            }

            // The delivery loop must be over before the flush touches the backlog; if the host gave up waiting, delivery
            // only counts what is left.
            await active.StopAsync(ExecuteTask is { IsCompleted: true }, givenNoTime, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.UnexpectedError(_logger, "stopping", FailureText.Describe(ex, _active?.Settings.Current.Endpoint, withStackTrace: true));
        }
        finally
        {
            _dependencies.Status.Stopped();
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _active?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the host's start path: BackgroundService already runs this on the thread pool, but activation's loading and
        // JIT would still compete with the host's own start-up for the cores; it waits until the host has started. Until
        // then only this method is compiled, and it names nothing of activation: compiling a method that reaches the
        // delivery loop loads Polly, before the host has started.
        if (_lifetime is { ApplicationStarted: { IsCancellationRequested: false, CanBeCanceled: true } started })
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (Guard.Register(started, static s => ((TaskCompletionSource)s!).TrySetResult(), signal, _logger))
            using (Guard.Register(stoppingToken, static s => ((TaskCompletionSource)s!).TrySetResult(), signal, _logger))
            {
                await signal.Task.ConfigureAwait(false);
            }
        }

        if (!stoppingToken.IsCancellationRequested)
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (TryActivate(stoppingToken) is not { } active)
            {
                return;
            }

            await active.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
        catch (Exception ex)
        {
            // Activation failed (delivery itself never ends by an exception): the last line, so nothing can stop the host.
            Log.UnexpectedError(_logger, "activation", FailureText.Describe(ex, _active?.Settings.Current.Endpoint, withStackTrace: true));
        }
    }

    private ActiveParts? TryActivate(CancellationToken stoppingToken)
    {
        var options = _startOptions ?? _dependencies.OptionsMonitor.CurrentValue;
        var origin = _dependencies.OptionsPipeline.OriginOf(options);
        var status = _dependencies.Status;
        var logger = _logger;
        if (!options.Enabled)
        {
            Log.Disabled(logger);
            status.Idle("disabled by HerokuMetrics:Enabled");
            return null;
        }

        // Heroku's own agents stay idle on one-off dynos: a console, a release task or a scheduled job is not the app.
        if (!options.ReportOnOneOffDynos && origin.IsOneOffDyno && origin.Dyno is { } dyno)
        {
            Log.OneOffDyno(logger, dyno);
            status.Idle("disabled: " + dyno + " is a one-off dyno (HerokuMetrics:ReportOnOneOffDynos is false)");
            return null;
        }

        if (options.Endpoint is null)
        {
            Log.EndpointNotFound(logger, HerokuMetricsOptions.EndpointEnvironmentVariable);
            status.Idle("disabled: " + HerokuMetricsOptions.EndpointEnvironmentVariable + " not found");
            return null;
        }

        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            Log.EndpointEmpty(logger, origin.EndpointSource);
            status.Idle("disabled: " + origin.EndpointSource + " is empty");
            return null;
        }

        if (!ReporterSettings.TryCreate(options, previous: null, out var settings))
        {
            // Start-up validation rejects such a value; reaching here means a custom validator let it through.
            Log.UnexpectedError(logger, "activation", $"{origin.EndpointSource} is not a usable URL: '{UrlRedactor.Redact(options.Endpoint)}'.");
            status.Idle("disabled: " + origin.EndpointSource + " is not a usable URL");
            return null;
        }

        stoppingToken.ThrowIfCancellationRequested();
        _active = new ActiveParts(options, settings!, _dependencies, new SteadyClock(_dependencies.Time, _startedAt), logger);
        Log.Started(logger, settings!.Endpoint.Redacted, settings.PostInterval, settings.Schema);
        status.Reporting();
        return _active;
    }
}
