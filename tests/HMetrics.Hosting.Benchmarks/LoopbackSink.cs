using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// A Kestrel server on 127.0.0.1 that answers every POST like Heroku's endpoint: 200 with an empty body. It drains the
/// request body without copying it, so the server adds as little as Kestrel allows to each measured request.
/// </summary>
internal sealed class LoopbackSink : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackSink(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Gets a dyno-like metrics URL on the sink.</summary>
    public Uri Url { get; }

    public static async Task<LoopbackSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(static async context =>
        {
            await LoopbackSink.DrainBodyAsync(context);

            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        var url = new Uri(new Uri(app.Urls.First()), "/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f");
        return new LoopbackSink(app, url);
    }

    /// <summary>Reads the request body to its end without copying it, as cheaply as Kestrel allows.</summary>
    internal static async Task DrainBodyAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
