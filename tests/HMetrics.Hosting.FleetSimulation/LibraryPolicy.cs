using System.Reflection;
using HMetrics.Hosting;
using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>
/// The library's own delivery constants and retry options, read from the shipped assembly.
/// </summary>
/// <remarks>
/// The library grants its internals to its own test and benchmark projects only, and <c>src/</c> is not ours to edit,
/// so the simulation reaches <c>SampleBacklog</c>, <c>DeliveryLoop</c>, <c>ReporterSettings</c> and <c>DeliveryRetry</c>
/// by reflection. A rename in the library fails <see cref="LibraryPolicyTests"/> loudly instead of letting the simulation
/// drift from it.
/// </remarks>
internal static class LibraryPolicy
{
    private const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;

    private static readonly Assembly Library = typeof(HerokuMetricsOptions).Assembly;

    /// <summary>Gets the age past which the backlog drops a sample: the endpoint's window less the safety margin.</summary>
    public static TimeSpan MaxAge { get; } = (TimeSpan)Type("HMetrics.Hosting.Reporting.SampleBacklog").GetField("MaxAge", Static)!.GetValue(null)!;

    /// <summary>Gets the endpoint's acceptance window.</summary>
    public static TimeSpan AcceptanceWindow { get; } = (TimeSpan)Type("HMetrics.Hosting.Reporting.SampleBacklog").GetField("AcceptanceWindow", Static)!.GetValue(null)!;

    /// <summary>The backlog's slot count at <paramref name="postInterval"/>.</summary>
    public static int BacklogCapacity(TimeSpan postInterval) =>
        (int)Type("HMetrics.Hosting.Reporting.SampleBacklog").GetMethod("CapacityFor", Static)!.Invoke(null, [postInterval])!;

    /// <summary>
    /// The least time between two POSTs while a backlog drains: <c>DeliveryLoop.Spacing(PostInterval)</c>, two thirds
    /// of an interval floored to whole milliseconds.
    /// </summary>
    public static TimeSpan Spacing(TimeSpan postInterval) =>
        (TimeSpan)Type("HMetrics.Hosting.Reporting.DeliveryLoop").GetMethod("Spacing", Static, [typeof(TimeSpan)])!.Invoke(null, [postInterval])!;

    /// <summary>The library's retry options for <paramref name="options"/>, exactly as the delivery loop builds them.</summary>
    public static RetryStrategyOptions RetryOptions(HerokuMetricsOptions options, Func<OnRetryArguments<object>, ValueTask> onRetry)
    {
        options.Endpoint ??= "https://simulated.invalid/metrics";
        var tryCreate = Type("HMetrics.Hosting.Options.ReporterSettings").GetMethod("TryCreate", Static)!;
        object?[] args = [options, null, null];
        if (!(bool)tryCreate.Invoke(null, args)!)
        {
            throw new InvalidOperationException("The library refused the simulated options.");
        }

        var create = Type("HMetrics.Hosting.Reporting.DeliveryRetry").GetMethod("Create", Static)!;
        return (RetryStrategyOptions)create.Invoke(null, [args[2], onRetry])!;
    }

    private static Type Type(string name) =>
        Library.GetType(name, throwOnError: true)!;
}
