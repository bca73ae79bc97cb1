using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>One request as the endpoint saw it.</summary>
internal sealed record ReceivedReport(
    string Method,
    string PathAndQuery,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    /// <summary>Gets the HTTP version the request arrived with, as Kestrel names it ("HTTP/1.1", "HTTP/2").</summary>
    public string Protocol { get; init; } = "";

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
    private volatile Func<HttpContext, ReceivedReport, Task> _respond = static (_, _) => Task.CompletedTask;
    private int _inFlight;
    private int _maxInFlight;

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

    /// <summary>Gets the largest number of requests the server was handling at the same moment.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    /// <summary>Gets the number of requests received so far.</summary>
    public int RequestCount
    {
        get
        {
            lock (Requests)
            {
                return Requests.Count;
            }
        }
    }

    /// <summary>Answers with <paramref name="status"/> and a <c>Location</c> header, which a client must not follow.</summary>
    public void RespondWithRedirect(string location, HttpStatusCode status = HttpStatusCode.TemporaryRedirect) =>
        RespondWith((ctx, _) =>
        {
            ctx.Response.StatusCode = (int)status;
            ctx.Response.Headers.Location = location;
            return Task.CompletedTask;
        });

    /// <summary>Never answers: each request waits until the client gives up or the server stops.</summary>
    public void RespondByHanging() => RespondWith((ctx, _) => WaitForAbortAsync(ctx));

    /// <summary>Reads the request, then drops the connection without any response.</summary>
    public void RespondByDroppingTheConnection() =>
        RespondWith((ctx, _) =>
        {
            ctx.Abort();
            return Task.CompletedTask;
        });

    /// <summary>Holds every following request until the returned source is completed, then answers 200.</summary>
    public TaskCompletionSource HoldResponses()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RespondWith(async (ctx, report) =>
        {
            var aborted = WaitForAbortAsync(ctx);
            _ = await Task.WhenAny(gate.Task, aborted);
        });
        return gate;
    }

    /// <summary>Forgets the requests not yet taken by <see cref="NextAsync"/>, e.g. a client's own resend of a dropped one.</summary>
    public void DropPending()
    {
        while (_received.Reader.TryRead(out _))
        {
        }
    }

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
            body.ToArray())
        {
            Protocol = context.Request.Protocol,
        };
        lock (Requests)
        {
            Requests.Add(report);
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
        {
            _ = Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
        }

        try
        {
            // Signal arrival first, so a test can react to a request the endpoint never answers.
            _ = _received.Writer.TryWrite(report);
            await _respond(context, report);
        }
        finally
        {
            _ = Interlocked.Decrement(ref _inFlight);
        }
    }

    // Ends when the client goes away or the server stops, so a hung request never holds up the server's shutdown.
    private Task WaitForAbortAsync(HttpContext context)
    {
        var stopping = _app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var onAbort = context.RequestAborted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), done);
        var onStop = stopping.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), done);
        return done.Task.ContinueWith(
            _ =>
            {
                onAbort.Dispose();
                onStop.Dispose();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
