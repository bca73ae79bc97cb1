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
/// so the simulation reaches <c>SampleBacklog</c>, <c>DrainPacer</c>, <c>ReporterSettings</c> and <c>DeliveryRetry</c>
/// by reflection. A rename in the library fails <see cref="LibraryPolicyTests"/> loudly instead of letting the simulation
/// drift from it.
/// </remarks>
internal static class LibraryPolicy
{
    private const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;

    private static readonly Assembly Library = typeof(HerokuMetricsOptions).Assembly;

    // Delegates, not MethodInfo.Invoke: the simulation asks for a gap millions of times.
    private static readonly Func<TimeSpan, double, TimeSpan> RampInMethod = Gap("RampInGap");
    private static readonly Func<TimeSpan, double, TimeSpan> CalmMethod = Gap("CalmGap");
    private static readonly Func<TimeSpan, double, TimeSpan> UrgentMethod = Gap("UrgentGap");

    /// <summary>Gets the age past which the backlog drops a sample: the endpoint's window less the safety margin.</summary>
    public static TimeSpan MaxAge { get; } = (TimeSpan)Type("HMetrics.Hosting.Reporting.SampleBacklog").GetField("MaxAge", Static)!.GetValue(null)!;

    /// <summary>Gets the endpoint's acceptance window.</summary>
    public static TimeSpan AcceptanceWindow { get; } = (TimeSpan)Type("HMetrics.Hosting.Reporting.SampleBacklog").GetField("AcceptanceWindow", Static)!.GetValue(null)!;

    /// <summary>The backlog's slot count at <paramref name="postInterval"/>.</summary>
    public static int BacklogCapacity(TimeSpan postInterval) =>
        (int)Type("HMetrics.Hosting.Reporting.SampleBacklog").GetMethod("CapacityFor", Static)!.Invoke(null, [postInterval])!;

    /// <summary>
    /// <c>DrainPacer.RampInGap(PostInterval, jitterSample)</c>: the gap after the first recovery of a Polly execution,
    /// <c>PostInterval × (0.7 + 0.3 × jitterSample)</c> floored to whole milliseconds. The pacer draws
    /// <paramref name="jitterSample"/> in [0, 1) for every gap when jitter is on and passes 0.5 when it is off.
    /// </summary>
    public static TimeSpan RampInGap(TimeSpan postInterval, double jitterSample = 0.5) => RampInMethod(postInterval, jitterSample);

    /// <summary><c>DrainPacer.CalmGap</c>: a drain after an outage, <c>PostInterval × (0.5 + 0.4 × jitterSample)</c>.</summary>
    public static TimeSpan CalmGap(TimeSpan postInterval, double jitterSample = 0.5) => CalmMethod(postInterval, jitterSample);

    /// <summary><c>DrainPacer.UrgentGap</c>: a drain once the endpoint flaps, <c>PostInterval × (0.45 + 0.2 × jitterSample)</c>.</summary>
    public static TimeSpan UrgentGap(TimeSpan postInterval, double jitterSample = 0.5) => UrgentMethod(postInterval, jitterSample);

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

    private static Func<TimeSpan, double, TimeSpan> Gap(string name) =>
        Type("HMetrics.Hosting.Reporting.DrainPacer").GetMethod(name, Static, [typeof(TimeSpan), typeof(double)])
            ?.CreateDelegate<Func<TimeSpan, double, TimeSpan>>()
        ?? throw new MissingMethodException($"DrainPacer.{name}(TimeSpan, double) is gone: update the simulation to the library's pacing.");

    private static Type Type(string name) =>
        Library.GetType(name, throwOnError: true)!;
}
