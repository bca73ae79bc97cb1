namespace HMetrics.Hosting.Options;

/// <summary>
/// Step 5 of the options pipeline: an options type of its own, validated on start (<c>ValidateOnStart</c>), whose
/// validator checks <see cref="HerokuMetricsOptions"/> (<see cref="StartupGateValidator"/>).
/// </summary>
/// <remarks>
/// The host validates each <c>ValidateOnStart</c> type once, before any hosted service starts, and never again. Nothing
/// else asks for this type and no change token re-creates it, so its validator can stop the host without ever running
/// inside a configuration reload; the monitored options themselves have no validator that fails.
/// </remarks>
internal sealed class StartupGate;
