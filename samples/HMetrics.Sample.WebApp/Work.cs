namespace HMetrics.Sample.WebApp;

/// <summary>The work behind the sample's endpoints: garbage for the GC charts, a contended lock for the thread charts.</summary>
public static class Work
{
    private static readonly Lock _contended = new();
    private static long _shared;

    /// <summary>Allocates about <paramref name="megabytes"/> MB in small arrays and keeps a tenth of them briefly.</summary>
    /// <returns>The number of gen-0 collections that happened meanwhile.</returns>
    public static int Allocate(int megabytes)
    {
        var before = GC.CollectionCount(0);
        var survivors = new List<byte[]>();
        for (var i = 0; i < megabytes * 32; i++)
        {
            var chunk = new byte[32 * 1024];
            chunk[^1] = (byte)i;
            if (i % 10 == 0)
            {
                survivors.Add(chunk);
            }
        }

        GC.KeepAlive(survivors);
        return GC.CollectionCount(0) - before;
    }

    /// <summary>Runs <paramref name="workers"/> thread-pool tasks that all want the same lock.</summary>
    /// <returns>How many times a thread had to wait for the lock meanwhile.</returns>
    public static async Task<long> ContendAsync(int workers, int iterations)
    {
        var before = Monitor.LockContentionCount;
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < iterations; i++)
            {
                lock (_contended)
                {
                    // Long enough inside the lock that the other workers queue up behind it.
                    Thread.SpinWait(2_000);
                    _shared++;
                }
            }
        }));
        await Task.WhenAll(tasks);
        return Monitor.LockContentionCount - before;
    }
}
