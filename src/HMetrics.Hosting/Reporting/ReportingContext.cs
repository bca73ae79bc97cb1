using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// What the reporter's parts share: the clock, the logger, and the owners of the observable state they all report to.
/// </summary>
internal sealed class ReportingContext(
    TimeProvider time,
    SafeLogger logger,
    HerokuMetricsStatusWriter status,
    HerokuMetricsInstruments instruments)
{
    public TimeProvider Time { get; } = time;

    public SafeLogger Logger { get; } = logger;

    public HerokuMetricsStatusWriter Status { get; } = status;

    public HerokuMetricsInstruments Instruments { get; } = instruments;

    public FailureLog Failures { get; } = new(logger, time);

    /// <summary>Counts samples that will never be delivered, wherever they were dropped.</summary>
    public void Dropped(int samples)
    {
        Status.Dropped(samples);
        Instruments.Dropped(samples);
    }
}
