using Microsoft.Extensions.Hosting;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>The stand-ins' hosted service: waits for <c>ApplicationStarted</c>, as the reporter does, then for the stop.</summary>
internal sealed class StandInService(IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), started))
        {
            await started.Task.ConfigureAwait(false);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }
}
