using System.Net;
using Microsoft.Extensions.Hosting;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The footprint probe's floor: the least a hosted service that sends HTTP every interval can be — a
/// <see cref="PeriodicTimer"/> and one reused <see cref="HttpClient"/>'s <c>PostAsync</c> of a fixed Go-sized body,
/// no retry, no backlog, no timeout of its own (the client's default 100 s).
/// </summary>
internal sealed class FloorLoopService(Uri url, TimeSpan interval) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = new HttpClient();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    using var content = new ReadOnlyMemoryContent(ReportCostChild.FixedBody);
                    using var response = await client.PostAsync(url, content, stoppingToken).ConfigureAwait(false);
                    ReportCostChild.Count(response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    ReportCostChild.Count(HttpStatusCode.ServiceUnavailable);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
