using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The parts of a reporter that reports, made together on activation and disposed together.
/// </summary>
internal sealed class ActiveParts : IDisposable
{
    private readonly RuntimeMetricTable _table;
    private readonly Sampler? _sampler;
    private readonly SampleSender _sender;

    public ActiveParts(
        HerokuMetricsOptions options,
        ReporterSettings settings,
        IOptionsMonitor<HerokuMetricsOptions> optionsMonitor,
        HerokuMetricsOptionsReloadGuard validation,
        Func<SafeLogger, HerokuMetricsClientSource> clients,
        ReportingContext context,
        long origin)
    {
        Failures = context.Failures;
        Settings = new ReporterSettingsSource(options, settings, optionsMonitor, validation, context.Logger);

        // Following changes before the timer exists: a reload racing activation is either in Current or raises Changed.
        Settings.Changed += changed => _sampler?.Apply(changed);
        Settings.Start();
        settings = Settings.Current;
        _table = new RuntimeMetricTable();
        var backlog = new SampleBacklog(settings.PostInterval);
        _sender = new SampleSender(clients(context.Logger), context.Time, context.Instruments);
        Delivery = new DeliveryLoop(backlog, _sender, Settings, context);
        _sampler = new Sampler(
            new RuntimeMetricsCollector(_table.All),
            backlog,
            settings,
            context.Time,
            origin,
            context.Logger,
            dropped: (from, to) =>
            {
                context.Dropped(1);
                context.Failures.Dropped(1, from, to);
            },
            sampled: () =>
            {
                Delivery.DropExpired();
                context.Status.Backlog(backlog.Count);
                Delivery.Signal();
            });
        Sampler.Apply(Settings.Current);
    }

    public ReporterSettingsSource Settings { get; }

    public Sampler Sampler => _sampler!;

    public DeliveryLoop Delivery { get; }

    public FailureLog Failures { get; }

    public void Dispose()
    {
        Settings.Dispose();
        Sampler.Dispose();
        _table.Dispose();
        _sender.Dispose();
    }
}
