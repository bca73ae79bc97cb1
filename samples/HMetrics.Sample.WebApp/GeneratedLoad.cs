namespace HMetrics.Sample.WebApp;

/// <summary>
/// In Development (<c>Sample:GenerateLoad</c>), does what the endpoints do a few times a second, so the charts move
/// without anyone calling them.
/// </summary>
internal sealed class GeneratedLoad(TimeProvider timeProvider, ILogger<GeneratedLoad> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Generating load: allocating about 20 MB a second and contending for a lock every 2 seconds (Sample:GenerateLoad).");
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), timeProvider);
        var tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Bursts of varying size, so the heap and GC charts show a shape rather than a flat line.
                _ = Work.Allocate(2 + (tick % 7));
                if (++tick % 8 == 0)
                {
                    _ = await Work.ContendAsync(workers: 4, iterations: 200);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
