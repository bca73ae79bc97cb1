namespace HMetrics.Hosting;

/// <summary>
/// Options for the Heroku metrics health check.
/// </summary>
public sealed class HerokuMetricsHealthCheckOptions
{
    internal static readonly TimeSpan DefaultUnhealthyAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how long reports may keep failing before the check turns from Degraded to Unhealthy.
    /// </summary>
    /// <value>Defaults to 5 minutes, the same as the all-clear window.</value>
    public TimeSpan UnhealthyAfter { get; set; } = DefaultUnhealthyAfter;
}
