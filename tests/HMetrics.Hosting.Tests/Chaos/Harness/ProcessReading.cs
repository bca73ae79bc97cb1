namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>The process's own exact counters at one moment: garbage collections (of any generation) and total GC pause.</summary>
/// <remarks>
/// These two are exact on both sides: integers the runtime counts, posted as integers (collections, nanoseconds of
/// whole ticks) or as seconds that round back to whole ticks. CPU time, allocated bytes, JIT and thread-pool counts move
/// all the time, also inside the stop that ends a run, so no reading before or after a stop pins them.
/// </remarks>
internal readonly record struct ProcessReading(long Collections, long PauseTicks)
{
    public static ProcessReading Now() => new(GC.CollectionCount(0), GC.GetTotalPauseDuration().Ticks);
}
