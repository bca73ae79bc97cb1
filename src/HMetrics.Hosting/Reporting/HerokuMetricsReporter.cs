using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The hosted service: decides at start whether to report, then wires the parts — settings, sampler, backlog,
/// delivery — and delivers what is left when the host stops.
/// </summary>
/// <remarks>
/// Nothing escapes to the host: activation, delivery and the flush end in a log line at worst, and
/// <see cref="StopAsync"/> never throws.
/// </remarks>
internal sealed class HerokuMetricsReporter : BackgroundService
{
    private readonly IOptionsMonitor<HerokuMetricsOptions> _optionsMonitor;
    private readonly HerokuMetricsOptionsReloadGuard _validation;
    private readonly Func<SafeLogger, HerokuMetricsClientSource> _clients;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly HerokuMetricsStatusWriter _status;
    private readonly IMeterFactory? _meterFactory;
    private readonly IHostApplicationLifetime? _lifetime;
    private SafeLogger _logger = SafeLogger.None;
    private HerokuMetricsOptions? _startOptions;
    private long _startedAt;

    // Made after the host has started: the meter, the instruments and what they load are not the app's start-up cost.
    private ReportingContext? _context;

    // Made on activation: an idle reporter subscribes to no runtime events, opens no files and starts no timer.
    private ActiveParts? _active;
    private int _flushStarted;

    internal HerokuMetricsReporter(
        IOptionsMonitor<HerokuMetricsOptions> optionsMonitor,
        HerokuMetricsOptionsReloadGuard validation,
        Func<SafeLogger, HerokuMetricsClientSource> clients,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        HerokuMetricsStatusWriter status,
        IMeterFactory? meterFactory,
        IHostApplicationLifetime? lifetime = null)
    {
        // Captures only: whatever loads assemblies or JIT-compiles much waits for ExecuteAsync, after the host started.
        _optionsMonitor = optionsMonitor;
        _validation = validation;
        _clients = clients;
        _loggerFactory = loggerFactory;
        _time = timeProvider;
        _status = status;
        _meterFactory = meterFactory;
        _lifetime = lifetime;
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Read while the guard still throws, so options replaced by a reload since the host's start-up validation fail the
        // start too; from here on each change is checked by the settings source instead.
        _startOptions = _optionsMonitor.CurrentValue;
        _validation.StopThrowing();
        _logger = Guard.CreateLogger(_loggerFactory);

        // The sampling schedule counts from here, however late activation comes: the first report is due one interval
        // after the reporter started.
        _startedAt = _time.GetTimestamp();
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
            _active?.Sampler.Stop();

            // The delivery loop must be over before the flush touches the backlog; if the host gave up waiting, skip.
            if (_active is not { } active || ExecuteTask is not { IsCompleted: true })
            {
                return;
            }

            // IHost.StopAsync may be called more than once and calls every hosted service again; there is one flush only.
            if (Interlocked.Exchange(ref _flushStarted, 1) != 0)
            {
                return;
            }

            await FlushAsync(active, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.UnexpectedError(_logger, "stopping", FailureText.Describe(ex, _active?.Settings.Current.Endpoint, withStackTrace: true));
        }
        finally
        {
            _status.Stopped();
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _active?.Dispose();
        _context?.Instruments.Dispose();
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
            using (started.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), signal))
            using (stoppingToken.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), signal))
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

            await active.Delivery.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
        catch (Exception ex)
        {
            // The retry strategy handles every failure; this is the last line so nothing can stop the host.
            Log.UnexpectedError(_logger, "delivery", FailureText.Describe(ex, _active?.Settings.Current.Endpoint, withStackTrace: true));
        }
    }

    private ActiveParts? TryActivate(CancellationToken stoppingToken)
    {
        var options = _startOptions ?? _optionsMonitor.CurrentValue;
        var logger = _logger;
        if (!options.Enabled)
        {
            Log.Disabled(logger);
            _status.Idle("disabled by HerokuMetrics:Enabled");
            return null;
        }

        // Heroku's own agents stay idle on one-off dynos: a console, a release task or a scheduled job is not the app.
        if (!options.ReportOnOneOffDynos && options.Dyno is { } dyno && HerokuMetricsOptions.IsOneOffDyno(dyno))
        {
            Log.OneOffDyno(logger, dyno);
            _status.Idle("disabled: " + dyno + " is a one-off dyno (HerokuMetrics:ReportOnOneOffDynos is false)");
            return null;
        }

        if (options.Endpoint is null)
        {
            Log.EndpointNotFound(logger, HerokuMetricsOptions.EndpointEnvironmentVariable);
            _status.Idle("disabled: " + HerokuMetricsOptions.EndpointEnvironmentVariable + " not found");
            return null;
        }

        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            Log.EndpointEmpty(logger, options.EndpointSource);
            _status.Idle("disabled: " + options.EndpointSource + " is empty");
            return null;
        }

        if (!ReporterSettings.TryCreate(options, previous: null, out var settings))
        {
            // Start-up validation rejects such a value; reaching here means a custom validator let it through.
            Log.UnexpectedError(logger, "activation", $"{options.EndpointSource} is not a usable URL: '{UrlRedactor.Redact(options.Endpoint)}'.");
            _status.Idle("disabled: " + options.EndpointSource + " is not a usable URL");
            return null;
        }

        stoppingToken.ThrowIfCancellationRequested();
        _context = new ReportingContext(_time, logger, _status, new HerokuMetricsInstruments(_meterFactory));
        _active = new ActiveParts(options, settings!, _optionsMonitor, _validation, _clients, _context, _startedAt);
        Log.Started(logger, settings!.Endpoint.Redacted, settings.PostInterval, settings.Schema);
        _status.Reporting();
        return _active;
    }

    // One last sample, stamped now, goes first; then as much of the backlog as the bound allows, oldest first.
    private async Task FlushAsync(ActiveParts active, CancellationToken cancellationToken)
    {
        var settings = active.Settings.Current;
        var context = _context!;
        if (!settings.FlushOnShutdown)
        {
            active.Failures.ReportDropped();
            return;
        }

        active.Sampler.TakeFinal();
        using var deadline = new CancellationTokenSource(settings.HttpTimeout, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var endpoint = settings.Endpoint.Redacted;
        try
        {
            var count = await active.Delivery.SendNewestAsync(settings, linked.Token).ConfigureAwait(false);
            Log.Flushed(context.Logger, count, endpoint);
        }
        catch (OperationCanceledException)
        {
            Log.FlushFailed(context.Logger, endpoint, deadline.IsCancellationRequested
                ? "no response within " + settings.HttpTimeout
                : "the host's shutdown timeout elapsed");
            active.Failures.ReportDropped();
            return;
        }
        catch (Exception ex)
        {
            Log.FlushFailed(context.Logger, endpoint, SampleSender.Describe(ex, settings.Endpoint));
            active.Failures.ReportDropped();
            return;
        }

        // Whatever the backlog still holds goes too, oldest first, while the same bound allows; a failure ends it quietly
        // (the samples were already counted as undelivered by the outage that left them).
        try
        {
            while (await active.Delivery.TrySendOldestAsync(settings, linked.Token).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ReportFailedException)
        {
            Log.ReportFailed(context.Logger, LogLevel.Debug, endpoint, SampleSender.Describe(ex, settings.Endpoint), context.Status.ConsecutiveFailures, TimeSpan.Zero);
        }

        active.Failures.ReportDropped();
    }
}
