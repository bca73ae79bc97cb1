namespace HMetrics.Hosting;

/// <summary>
/// Selects which metric names a report carries.
/// </summary>
public enum HerokuMetricsSchema
{
    /// <summary>
    /// The names Heroku's Go agent posts (<c>go.gc.collections</c>, <c>go.memory.heap.bytes</c>, ...), filled with
    /// .NET readings. The Heroku Dashboard draws these once the app enables the <c>go-language-metrics</c> labs flag.
    /// </summary>
    Go = 0,

    /// <summary>
    /// The names and units of the .NET runtime's own <c>System.Runtime</c> meter (<c>dotnet.gc.collections.gen0</c>, ...).
    /// </summary>
    DotNet = 1,

    /// <summary>
    /// The union of <see cref="Go"/> and <see cref="DotNet"/>.
    /// </summary>
    Both = 2,
}
