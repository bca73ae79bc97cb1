namespace HMetrics.Sample.Worker;

/// <summary>Allocates and drops garbage so the posted GC numbers move.</summary>
internal sealed class AllocatingWork(ILogger<AllocatingWork> logger, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Sample work started: allocating about 8 MB a second.");
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), timeProvider);
        var keep = new List<byte[]>();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                for (var i = 0; i < 200; i++)
                {
                    keep.Add(new byte[4096]);
                }

                // Keep a little, drop the rest: gen0 and the occasional gen1 collection.
                if (keep.Count > 2_000)
                {
                    keep.RemoveRange(0, 1_800);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
