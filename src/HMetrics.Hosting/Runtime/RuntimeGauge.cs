namespace HMetrics.Hosting.Runtime;

/// <summary>The values read at sampling time; only those a sample's schema posts are read.</summary>
internal enum RuntimeGauge
{
    HeapBytes,
    PoolThreads,
    CommittedBytes,
    Gen0Size,
    Gen1Size,
    Gen2Size,
    LohSize,
    PohSize,
    Gen0Fragmentation,
    Gen1Fragmentation,
    Gen2Fragmentation,
    LohFragmentation,
    PohFragmentation,
    CpuCount,
    WorkingSet,
    QueueLength,
    Timers,
    Assemblies,
}
