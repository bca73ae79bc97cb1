using HMetrics.Hosting;
using HMetrics.Hosting.Options;
using HMetrics.Hosting.Reporting.Delivery;
using HMetrics.Hosting.Reporting.Sampling;
using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>
/// The simulation's one door to the library: its backlog window, its retry options and its drain pacer, used as they
/// ship (the library grants this project its internals), so the simulation cannot drift from the code it measures.
/// </summary>
internal static class LibraryPolicy
{
    /// <summary>Gets the age past which the backlog drops a sample: the endpoint's window less the safety margin.</summary>
    public static TimeSpan MaxAge => SampleBacklog.MaxAge;

    /// <summary>Gets the endpoint's acceptance window.</summary>
    public static TimeSpan AcceptanceWindow => SampleBacklog.AcceptanceWindow;

    /// <summary>The backlog's slot count at <paramref name="postInterval"/>.</summary>
    public static int BacklogCapacity(TimeSpan postInterval) => SampleBacklog.CapacityFor(postInterval);

    /// <summary>The settings the reporter runs with for <paramref name="options"/>.</summary>
    public static ReporterSettings Settings(HerokuMetricsOptions options)
    {
        options.Endpoint ??= "https://simulated.invalid/metrics";
        return ReporterSettings.TryCreate(options, previous: null, out var settings) && settings is not null
            ? settings
            : throw new InvalidOperationException("The library refused the simulated options.");
    }

    /// <summary>The library's retry options for <paramref name="options"/>, exactly as the delivery loop builds them.</summary>
    public static RetryStrategyOptions RetryOptions(HerokuMetricsOptions options, Func<OnRetryArguments<object>, ValueTask> onRetry) =>
        DeliveryRetry.Create(Settings(options), static () => null, onRetry);
}
