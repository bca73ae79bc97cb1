using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Reporting;

/// <summary>What activation needs from the container, resolved with the reporter and used only once it activates.</summary>
/// <param name="OptionsMonitor">The options, followed for changes.</param>
/// <param name="OptionsPipeline">Validates and parses each change.</param>
/// <param name="Clients">Makes the sender's source of typed clients, one per handler lifetime.</param>
/// <param name="Time">The clock.</param>
/// <param name="Status">The status the parts write.</param>
/// <param name="MeterFactory">The host's meter factory, if it has one.</param>
/// <param name="StartPhase">Where in its first interval the first sample falls.</param>
internal sealed record ReportingDependencies(
    IOptionsMonitor<HerokuMetricsOptions> OptionsMonitor,
    HerokuMetricsOptionsPipeline OptionsPipeline,
    Func<SafeLogger, HerokuMetricsClientSource> Clients,
    TimeProvider Time,
    HerokuMetricsStatusWriter Status,
    IMeterFactory? MeterFactory,
    StartPhase StartPhase);
