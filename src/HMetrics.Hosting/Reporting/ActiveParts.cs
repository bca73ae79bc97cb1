using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The parts of a reporter that reports, made together on activation, stopped and disposed together: settings, the
/// runtime reader, the backlog, the sampler and delivery, and the observer they report to.
/// </summary>
internal sealed class ActiveParts : IDisposable
{
    private readonly RuntimeReader _reader;
    private readonly HerokuMetricsInstruments _instruments;
    private readonly SampleSender _sender;
    private readonly Sampler? _sampler;
    private readonly DeliveryLoop _delivery;

    public ActiveParts(
        HerokuMetricsOptions options,
        ReporterSettings settings,
        ReportingDependencies dependencies,
        SteadyClock clock,
        SafeLogger logger)
    {
        Settings = new ReporterSettingsSource(options, settings, dependencies.OptionsMonitor, dependencies.OptionsPipeline, logger);

        // Following changes before the timer exists: a reload racing activation is either in Current or raises Changed.
        Settings.Changed += changed => _sampler?.Apply(changed);
        Settings.Start();
        settings = Settings.Current;
        _instruments = new HerokuMetricsInstruments(dependencies.MeterFactory);
        var observer = new ReportingObserver(clock, logger, Settings, dependencies.Status, _instruments);
        var backlog = new SampleBacklog(settings.PostInterval);
        _reader = new RuntimeReader();
        _sender = new SampleSender(dependencies.Clients(logger), clock.Time, _instruments, logger);
        _delivery = new DeliveryLoop(new DeliveryStateMachine(backlog, observer, Random.Shared), _sender, Settings, clock, logger);
        _sampler = new Sampler(_reader, backlog, settings, clock, logger, observer, dependencies.StartPhase, _delivery.SampleTaken);
        _sampler.Apply(Settings.Current);
    }

    public ReporterSettingsSource Settings { get; }

    /// <summary>Delivers until <paramref name="stoppingToken"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken stoppingToken) => _delivery.RunAsync(stoppingToken);

    /// <summary>Stops sampling and, once delivery has ended, flushes: the final sample, then the backlog.</summary>
    /// <param name="deliveryEnded">Whether the delivery loop has ended; if the host stopped waiting for it, nothing is sent.</param>
    /// <param name="givenNoTime">Whether the host's stop token was already cancelled when stopping began.</param>
    /// <param name="cancellationToken">The host's stop token.</param>
    public Task StopAsync(bool deliveryEnded, bool givenNoTime, CancellationToken cancellationToken)
    {
        if (givenNoTime)
        {
            _sampler!.Stop();
            _delivery.Abandon(FlushBound.NoTimeGiven);
            return Task.CompletedTask;
        }

        if (!deliveryEnded)
        {
            _sampler!.Stop();
            _delivery.Abandon(cancellationToken.IsCancellationRequested
                ? "the host's shutdown timeout elapsed before delivery stopped"
                : "delivery had not stopped when the host went on");
            return Task.CompletedTask;
        }

        if (!Settings.Current.FlushOnShutdown)
        {
            _sampler!.Stop();
            _delivery.Abandon("HerokuMetrics:FlushOnShutdown is false");
            return Task.CompletedTask;
        }

        _sampler!.TakeFinal();
        return _delivery.FlushAsync(cancellationToken);
    }

    public void Dispose()
    {
        Settings.Dispose();
        _sampler?.Dispose();
        _reader.Dispose();
        _sender.Dispose();
        _instruments.Dispose();
    }
}
