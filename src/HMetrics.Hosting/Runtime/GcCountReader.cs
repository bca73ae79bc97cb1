namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Reads the collection counts of the three generations as one consistent snapshot, so that the per-generation counts
/// never go backwards and always add up to the total.
/// </summary>
/// <remarks>
/// <see cref="GC.CollectionCount(int)"/> counts the collections of a generation <em>or higher</em>, so "gen0 only" is
/// <c>count(0) - count(1)</c>. Two separate reads with a GC between them give a difference one too high or too low, and
/// the next sample then looks like a negative count. Every GC increments <c>count(0)</c>, so a snapshot whose
/// <c>count(0)</c> did not move between its first and last read had no GC inside it. When a GC storm allows no stable
/// snapshot, the last stable one stands (a delay, never a wrong count). Not thread-safe: one sampler reads it.
/// </remarks>
internal sealed class GcCountReader(Func<int, int> collectionCount)
{
    private const int StableReadAttempts = 8;

    private long _gen0;
    private long _gen1;
    private long _gen2;

    public GcCountReader()
        : this(GC.CollectionCount)
    {
    }

    /// <summary>Reads the collections of each generation alone (gen0 only, gen1 only, gen2) since the process started.</summary>
    public (long Gen0, long Gen1, long Gen2) Read()
    {
        for (var attempt = 0; attempt < StableReadAttempts; attempt++)
        {
            var before = collectionCount(0);
            var c2 = collectionCount(2);
            var c1 = collectionCount(1);
            var c0 = collectionCount(0);
            if (c0 != before)
            {
                continue;
            }

            // A stable snapshot is consistent, so each generation can only have grown; the maxima only guard that.
            _gen2 = Math.Max(_gen2, c2);
            _gen1 = Math.Max(_gen1, Math.Max(0, c1 - c2));
            _gen0 = Math.Max(_gen0, Math.Max(0, c0 - c1));
            break;
        }

        return (_gen0, _gen1, _gen2);
    }
}
