using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>One request as the endpoint saw it.</summary>
internal sealed record ReceivedReport(
    string Method,
    string PathAndQuery,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    public JsonDocument Json() => JsonDocument.Parse(Body);

    public double Counter(string name) => Json().RootElement.GetProperty("counters").TryGetProperty(name, out var v) ? v.GetDouble() : 0;

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 with an ephemeral port that answers like Heroku's endpoint (200, empty body) or
/// however the test tells it to.
/// </summary>
internal sealed class HerokuLikeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedReport> _received = Channel.CreateUnbounded<ReceivedReport>();
    private Func<HttpContext, ReceivedReport, Task> _respond = static (_, _) => Task.CompletedTask;

    private HerokuLikeServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received so far, in order.</summary>
    public List<ReceivedReport> Requests { get; } = [];

    public static async Task<HerokuLikeServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new HerokuLikeServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.First());
        return server;
    }

    /// <summary>The URL for a dyno path, as Heroku would set it in HEROKU_METRICS_URL.</summary>
    public string Url(string pathAndQuery = "/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f") =>
        new Uri(BaseAddress, pathAndQuery).ToString();

    /// <summary>Answers every following request with <paramref name="respond"/>.</summary>
    public void RespondWith(Func<HttpContext, ReceivedReport, Task> respond) => _respond = respond;

    public void RespondWithStatus(HttpStatusCode status, string? retryAfter = null) =>
        RespondWith((ctx, _) =>
        {
            ctx.Response.StatusCode = (int)status;
            if (retryAfter is not null)
            {
                ctx.Response.Headers.RetryAfter = retryAfter;
            }

            return Task.CompletedTask;
        });

    /// <summary>Waits (on a signal) for the next request.</summary>
    public async Task<ReceivedReport> NextAsync(TimeSpan? realTimeout = null)
    {
        using var cts = new CancellationTokenSource(realTimeout ?? TimeSpan.FromSeconds(20));
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The endpoint received no report.");
        }
    }

    /// <summary>Reports not yet taken by <see cref="NextAsync"/>.</summary>
    public bool TryTakePending(out ReceivedReport? report) => _received.Reader.TryRead(out report);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var report = new ReceivedReport(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            headers,
            body.ToArray());
        lock (Requests)
        {
            Requests.Add(report);
        }

        // Signal arrival first, so a test can react to a request the endpoint never answers.
        _ = _received.Writer.TryWrite(report);
        await _respond(context, report);
    }
}
