namespace HMetrics.Hosting.Benchmarks;

/// <summary>The stand-ins' options: a few of the library's keys, bound from the same section.</summary>
internal sealed class StandInOptions
{
    public string? Endpoint { get; set; }

    public bool FlushOnShutdown { get; set; } = true;

    public TimeSpan PostInterval { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
