namespace HMetrics.DevSink;

/// <summary>
/// Limits of the in-memory store of the dev sink.
/// </summary>
public sealed class DevSinkOptions
{
    /// <summary>Gets or sets how long reports are kept; older ones are dropped.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the most reports kept per dyno path (one hour at one report a second by default).</summary>
    public int MaxReportsPerDyno { get; set; } = 3600;

    /// <summary>Gets or sets the most dyno paths kept; the one heard from least recently is dropped first.</summary>
    public int MaxDynos { get; set; } = 32;

    /// <summary>Gets or sets the largest body accepted, in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Gets or sets how many recent requests (accepted, rejected or faulted) the page lists.</summary>
    public int MaxRecentRequests { get; set; } = 100;
}
