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
    private readonly Func<ReportInvoker> _invokerFactory;
    private readonly ReportingContext _context;
    private HerokuMetricsOptions? _startOptions;

    // Made on activation: an idle reporter subscribes to no runtime events, opens no files and starts no timer.
    private ActiveParts? _active;
    private int _flushStarted;

    internal HerokuMetricsReporter(
        IOptionsMonitor<HerokuMetricsOptions> optionsMonitor,
        HerokuMetricsOptionsReloadGuard validation,
        Func<ReportInvoker> invokerFactory,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        HerokuMetricsStatusWriter status,
        IMeterFactory? meterFactory)
    {
        _optionsMonitor = optionsMonitor;
        _validation = validation;
        _invokerFactory = invokerFactory;
        _context = new ReportingContext(timeProvider, CreateLogger(loggerFactory), status, new HerokuMetricsInstruments(meterFactory));
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Read while the guard still throws, so options replaced by a reload since the host's start-up validation fail the
        // start too; from here on each change is checked by the settings source instead.
        _startOptions = _optionsMonitor.CurrentValue;
        _validation.StopThrowing();
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
            Log.UnexpectedError(_context.Logger, "stopping: " + SampleSender.Describe(ex, _active?.Settings.Current.Endpoint));
        }
        finally
        {
            _context.Status.Stopped();
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _active?.Dispose();
        _context.Instruments.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
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
            Log.UnexpectedError(_context.Logger, SampleSender.Describe(ex, _active?.Settings.Current.Endpoint));
        }
    }

    private static ILogger CreateLogger(ILoggerFactory loggerFactory)
    {
        try
        {
            return new SafeLogger(loggerFactory.CreateLogger(Log.Category));
        }
        catch (Exception)
        {
            return NullLogger.Instance;
        }
    }

    private ActiveParts? TryActivate(CancellationToken stoppingToken)
    {
        var options = _startOptions ?? _optionsMonitor.CurrentValue;
        var logger = _context.Logger;
        if (!options.Enabled)
        {
            Log.Disabled(logger);
            _context.Status.Idle("disabled by HerokuMetrics:Enabled");
            return null;
        }

        // Heroku's own agents stay idle on one-off dynos: a console, a release task or a scheduled job is not the app.
        if (!options.ReportOnOneOffDynos && options.Dyno is { } dyno && HerokuMetricsOptions.IsOneOffDyno(dyno))
        {
            Log.OneOffDyno(logger, dyno);
            _context.Status.Idle("disabled: " + dyno + " is a one-off dyno (HerokuMetrics:ReportOnOneOffDynos is false)");
            return null;
        }

        if (options.Endpoint is null)
        {
            Log.EndpointNotFound(logger, HerokuMetricsOptions.EndpointEnvironmentVariable);
            _context.Status.Idle("disabled: " + HerokuMetricsOptions.EndpointEnvironmentVariable + " not found");
            return null;
        }

        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            Log.EndpointEmpty(logger, options.EndpointSource);
            _context.Status.Idle("disabled: " + options.EndpointSource + " is empty");
            return null;
        }

        if (!ReporterSettings.TryCreate(options, previous: null, out var settings))
        {
            // Start-up validation rejects such a value; reaching here means a custom validator let it through.
            Log.UnexpectedError(logger, $"{options.EndpointSource} is not a usable URL: '{UrlRedactor.Redact(options.Endpoint)}'.");
            _context.Status.Idle("disabled: " + options.EndpointSource + " is not a usable URL");
            return null;
        }

        stoppingToken.ThrowIfCancellationRequested();
        _active = new ActiveParts(settings!, _optionsMonitor, _validation, _invokerFactory, _context);
        Log.Started(logger, settings!.Endpoint.Redacted, settings.PostInterval, settings.Schema);
        _context.Status.Reporting();
        return _active;
    }

    // One last sample, stamped now, goes first; then as much of the backlog as the bound allows, oldest first.
    private async Task FlushAsync(ActiveParts active, CancellationToken cancellationToken)
    {
        var settings = active.Settings.Current;
        if (!settings.FlushOnShutdown)
        {
            active.Failures.ReportDropped();
            return;
        }

        active.Sampler.TakeFinal();
        using var deadline = new CancellationTokenSource(settings.HttpTimeout, _context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var endpoint = settings.Endpoint.Redacted;
        try
        {
            var count = await active.Delivery.SendNewestAsync(settings, linked.Token).ConfigureAwait(false);
            Log.Flushed(_context.Logger, count, endpoint);
        }
        catch (OperationCanceledException)
        {
            Log.FlushFailed(_context.Logger, endpoint, deadline.IsCancellationRequested
                ? "no response within " + settings.HttpTimeout
                : "the host's shutdown timeout elapsed");
            active.Failures.ReportDropped();
            return;
        }
        catch (Exception ex)
        {
            Log.FlushFailed(_context.Logger, endpoint, SampleSender.Describe(ex, settings.Endpoint));
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
            Log.ReportFailed(_context.Logger, LogLevel.Debug, endpoint, SampleSender.Describe(ex, settings.Endpoint), _context.Status.ConsecutiveFailures, TimeSpan.Zero);
        }

        active.Failures.ReportDropped();
    }
}
