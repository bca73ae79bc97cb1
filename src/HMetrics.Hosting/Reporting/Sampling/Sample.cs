namespace HMetrics.Hosting.Reporting.Sampling;

/// <summary>
/// One interval's readings: every process counter's increment, the gauges its schema posts, and when it was taken.
/// Slots are reused, never freed; the body is written from these numbers when the sample is sent.
/// </summary>
internal sealed class Sample
{
    public double[] Counters { get; } = new double[ProcessCounterLedger.Count];

    public double[] Gauges { get; } = new double[RuntimeMetricTable.GaugeCount];

    /// <summary>Gets or sets the wall-clock time sent as <c>Measurements-Time</c>: where the endpoint charts it.</summary>
    public DateTimeOffset MeasuredAt { get; set; }

    /// <summary>Gets or sets when it was taken on the steady clock, counted from the reporter's start: what ages are measured by.</summary>
    public TimeSpan TakenAt { get; set; }

    /// <summary>
    /// Gets or sets when the oldest counter increments it carries were taken (steady clock): its own time, or earlier when
    /// an expired sample's counts were carried into it.
    /// </summary>
    public TimeSpan CountsSince { get; set; }

    /// <summary>Gets or sets the sampling interval it was taken at: how far apart it and the samples around it are.</summary>
    public TimeSpan Interval { get; set; }

    /// <summary>Gets or sets the schema in force when it was taken: which names its body carries.</summary>
    public HerokuMetricsSchema Schema { get; set; }
}
