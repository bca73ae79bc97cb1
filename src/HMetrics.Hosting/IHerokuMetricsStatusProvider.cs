namespace HMetrics.Hosting;

/// <summary>
/// Gives read-only access to the reporter's state. <c>AddHerokuMetrics</c> registers it as a singleton.
/// </summary>
public interface IHerokuMetricsStatusProvider
{
    /// <summary>Gets the reporter's state now. Each call returns an immutable snapshot; reading it changes nothing.</summary>
    HerokuMetricsStatus Current { get; }
}
