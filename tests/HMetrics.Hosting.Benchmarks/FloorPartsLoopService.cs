using System.Buffers;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The footprint probe's floor (<see cref="FloorLoopService"/>) with stand-in parts, each adding one piece of what the
/// library uses, so the probe can price them one at a time (modes <c>floor+polly</c>, <c>floor+factory</c>,
/// <c>floor+json</c>, combinable): <c>polly</c> sends through a Polly v8 retry pipeline built once (its builder
/// validates the options with DataAnnotations); <c>factory</c> sends through an <see cref="HttpMessageInvoker"/> over
/// <see cref="IHttpMessageHandlerFactory.CreateHandler(string)"/>, as the library does; <c>json</c> writes the body per
/// send with a <see cref="Utf8JsonWriter"/>, as the library's collector does.
/// </summary>
/// <remarks>A class of its own so that the plain floor never has Polly or Microsoft.Extensions.Http loaded by the JIT.</remarks>
internal sealed class FloorPartsLoopService(Uri url, TimeSpan interval, ISet<string> parts, IHttpMessageHandlerFactory? handlers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = parts.Contains("factory")
            ? new HttpMessageInvoker(handlers!.CreateHandler("floor"), disposeHandler: false)
            : new HttpClient();
        var pipeline = parts.Contains("polly") ? BuildPipeline() : null;
        var body = new ArrayBufferWriter<byte>(1024);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var content = ReportCostChild.FixedBody;
                    if (parts.Contains("json"))
                    {
                        body.ResetWrittenCount();
                        WriteBody(body);
                        content = body.WrittenMemory;
                    }

                    if (pipeline is null)
                    {
                        await SendAsync(client, content, stoppingToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await pipeline.ExecuteAsync(
                            static (state, token) => state.Self.SendAsync(state.Client, state.Content, token),
                            (Self: this, Client: client, Content: content),
                            stoppingToken).ConfigureAwait(false);
                    }
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

    private async ValueTask SendAsync(HttpMessageInvoker client, ReadOnlyMemory<byte> body, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(body) };
        using var response = await client.SendAsync(request, token).ConfigureAwait(false);
        ReportCostChild.Count(response.StatusCode);
    }

    private static ResiliencePipeline BuildPipeline() => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(),
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(30),
            MaxRetryAttempts = 3,
            UseJitter = true,
        })
        .Build();

    private static void WriteBody(IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteStartObject("counters");
        writer.WriteNumber("go.gc.collections", GC.CollectionCount(0));
        writer.WriteNumber("go.gc.pause.ns", (long)GC.GetTotalPauseDuration().TotalNanoseconds);
        writer.WriteEndObject();
        writer.WriteStartObject("gauges");
        writer.WriteNumber("go.memory.heap.bytes", GC.GetTotalMemory(false));
        writer.WriteNumber("go.memory.heap.objects", 0);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
