namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Reads the collection counts of the three generations as one consistent snapshot, so that the per-generation counts
/// never go backwards and always add up to the total.
/// </summary>
/// <remarks>
/// <see cref="GC.CollectionCount(int)"/> counts the collections of a generation <em>or higher</em>, so "gen0 only" is
/// <c>count(0) - count(1)</c>. Two separate reads with a GC between them give a difference one too high or too low, and
/// the next sample then looks like a negative count. Every GC increments <c>count(0)</c>, so a snapshot whose
/// <c>count(0)</c> did not move between its first and last read had no GC inside it. The reader uses stable snapshots: when a storm allows none, the sample repeats the last stable one (a delay, never a
/// wrong count), and the total is defined as the sum of the three generations, so the two can never disagree.
/// Not thread-safe: the table is read by one report at a time.
/// </remarks>
internal sealed class GcCountReader(Func<int, int> collectionCount)
{
    private const int StableReadAttempts = 8;

    private long _gen0;
    private long _gen1;
    private long _gen2;

    // Which of Total, Gen0, Gen1 and Gen2 have been read from the current snapshot: a second read of the same one means a
    // new sample has begun, whatever subset of them the schema posts and in whatever order.
    private int _consumed = -1;

    public GcCountReader()
        : this(GC.CollectionCount)
    {
    }

    internal enum Count
    {
        Total = 0,
        Gen0 = 1,
        Gen1 = 2,
        Gen2 = 3,
    }

    public double Read(Count which)
    {
        var bit = 1 << (int)which;
        if ((_consumed & bit) != 0)
        {
            Refresh();
            _consumed = 0;
        }

        _consumed |= bit;
        return which switch
        {
            Count.Gen0 => _gen0,
            Count.Gen1 => _gen1,
            Count.Gen2 => _gen2,
            _ => _gen0 + _gen1 + _gen2,
        };
    }

    private void Refresh()
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
            return;
        }

        // No stable snapshot in a GC storm: the last one stands, and the next stable one delivers what this sample missed.
    }
}
