namespace HMetrics.Sample.Worker;

/// <summary>
/// Logs how many GCs the process had once everything else has stopped, so a run can be checked against the sum of the
/// <c>go.gc.collections</c> the endpoint received (scripts/soak.sh does).
/// </summary>
/// <remarks>
/// Registered before <c>AddHerokuMetrics</c>: hosted services stop in reverse order, so this runs after the reporter's
/// final report.
/// </remarks>
internal sealed class CollectionCountAtShutdown(ILogger<CollectionCountAtShutdown> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("GC collections at shutdown: {Collections}", GC.CollectionCount(0));
        return Task.CompletedTask;
    }
}
