using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// One real Kestrel server on 127.0.0.1 for every run of the suite: each run routes its own dyno path (a fresh id) to
/// its endpoint, so runs share the socket and the server's start-up cost but nothing else.
/// </summary>
internal sealed class ChaosServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, byte[], Task>> _routes = new(StringComparer.Ordinal);

    private ChaosServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public static async Task<ChaosServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ChaosServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    /// <summary>Answers requests to <paramref name="path"/> with <paramref name="handle"/> until the returned route is disposed.</summary>
    public IDisposable Route(string path, Func<HttpContext, byte[], Task> handle)
    {
        _routes[path] = handle;
        return new Unroute(this, path);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
        {
            return;
        }

        if (_routes.TryGetValue(context.Request.Path.Value ?? string.Empty, out var handle))
        {
            await handle(context, body);
        }
        else
        {
            // A request of a run that has ended (or of none): never counted anywhere.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    private sealed class Unroute(ChaosServer server, string path) : IDisposable
    {
        public void Dispose() => server._routes.TryRemove(path, out _);
    }
}
