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
            _ = await LoopbackSink.DrainBodyAsync(context);

            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        var url = new Uri(new Uri(app.Urls.First()), "/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f");
        return new LoopbackSink(app, url);
    }

    /// <summary>Reads the request body to its end without copying it, as cheaply as Kestrel allows; returns its length.</summary>
    internal static async Task<long> DrainBodyAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        long length = 0;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            length += result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return length;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
