using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// A send path assembled from parts, for the report-cost probe's lean-path experiment: mode <c>lean:k=v,...</c>.
/// Only the benchmarks use it; it shows which part of a report's send path costs what, not how the library does it.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>loop=async</c> (default): <see cref="PeriodicTimer"/> on the thread pool; <c>loop=sync</c>: a thread of its own that sleeps, synchronous <c>Send</c>;
/// <c>loop=tpsync</c>: <see cref="PeriodicTimer"/>, then a synchronous <c>Send</c> on the thread-pool thread the tick woke.</item>
/// <item><c>send=client</c> (default): one reused <see cref="HttpClient"/>; <c>send=invoker</c>: one <see cref="HttpMessageInvoker"/>
/// (no per-request timeout source, no response buffering); <c>send=factory</c>: a named client from
/// <see cref="IHttpClientFactory"/> per report, as a typed client is made.</item>
/// <item><c>handler=default</c> (default): <c>new HttpClient()</c>'s handler; <c>handler=lib</c>: a <see cref="SocketsHttpHandler"/>
/// configured as the library's primary handler; <c>handler=lean</c>: the same with <c>ActivityHeadersPropagator = null</c>.</item>
/// <item><c>read=content</c> (default, as <c>PostAsync</c>) or <c>read=headers</c> (<see cref="HttpCompletionOption.ResponseHeadersRead"/>).</item>
/// <item><c>cts=none</c> (default); <c>cts=two</c>: a timeout source and a source linked to the stopping token per report,
/// as the library does; <c>cts=reuse</c>: one linked source reused with <c>CancelAfter</c> and <c>TryReset</c>;
/// <c>tmo=MS</c>: the timeout those arm (default: half the interval, as the library clamps it).</item>
/// <item><c>hdr=none</c> (default); <c>hdr=lib</c>: the library's four headers as raw values, the timestamp formatted per
/// report; <c>hdr=pre</c>: the same, with the constant ones and the count pre-formatted once.</item>
/// </list>
/// </remarks>
internal sealed class LeanSpec
{
    private const string UserAgent = "HMetrics.Hosting/1.0.0";

    private readonly Dictionary<string, string> _parts;
    private readonly TimeSpan _timeout;

    private LeanSpec(Dictionary<string, string> parts, TimeSpan interval)
    {
        _parts = parts;

        // As the library clamps it: half the interval unless tmo=MS says otherwise.
        _timeout = parts.TryGetValue("tmo", out var ms) ? TimeSpan.FromMilliseconds(double.Parse(ms, CultureInfo.InvariantCulture)) : interval / 2;
    }

    public bool SyncLoop => Get("loop", "async") == "sync";

    public static LeanSpec Parse(string text, TimeSpan interval)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            parts[kv[0]] = kv.Length > 1 ? kv[1] : "on";
        }

        return new LeanSpec(parts, interval);
    }

    public async Task RunAsync(Uri url, TimeSpan interval, CancellationToken stop)
    {
        using var sender = CreateSender();
        var reuse = Get("cts", "none") == "reuse" ? CancellationTokenSource.CreateLinkedTokenSource(stop) : null;
        var completion = Completion();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                using var request = CreateRequest(url);
                CancellationTokenSource? timeoutSource = null;
                CancellationTokenSource? linkedSource = null;
                var token = stop;
                switch (Get("cts", "none"))
                {
                    case "two":
                        timeoutSource = new CancellationTokenSource(_timeout, TimeProvider.System);
                        linkedSource = CancellationTokenSource.CreateLinkedTokenSource(stop, timeoutSource.Token);
                        token = linkedSource.Token;
                        break;
                    case "reuse":
                        reuse!.CancelAfter(_timeout);
                        token = reuse.Token;
                        break;
                }

                try
                {
                    // loop=tpsync: the tick is awaited, the send is synchronous on the thread-pool thread that the
                    // tick woke (no second wake-up for the response).
                    using var response = Get("loop", "async") == "tpsync"
                        ? sender.Send(request, completion, token)
                        : await sender.SendAsync(request, completion, token).ConfigureAwait(false);
                    ReportCostChild.Count(response.StatusCode);
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
                {
                    // A failure or a timeout (the first, cold requests can outlast the 25 ms a 50 ms interval allows).
                    ReportCostChild.Count(HttpStatusCode.ServiceUnavailable);
                }
                finally
                {
                    linkedSource?.Dispose();
                    timeoutSource?.Dispose();
                    if (reuse is not null && !reuse.TryReset())
                    {
                        reuse.Dispose();
                        reuse = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    }
                }
            }
        }
        finally
        {
            reuse?.Dispose();
        }
    }

    public void RunSync(Uri url, TimeSpan interval, CancellationToken stop)
    {
        using var sender = CreateSender();
        var completion = Completion();
        var start = Stopwatch.GetTimestamp();
        for (long tick = 1; !stop.IsCancellationRequested; tick++)
        {
            ReportCostChild.SleepUntil(start, tick, interval);
            using var request = CreateRequest(url);
            try
            {
                using var response = sender.Send(request, completion, stop);
                ReportCostChild.Count(response.StatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
            {
                ReportCostChild.Count(HttpStatusCode.ServiceUnavailable);
            }
        }
    }

    private HttpCompletionOption Completion() =>
        Get("read", "content") == "headers" ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;

    private string Get(string key, string fallback) => _parts.TryGetValue(key, out var value) ? value : fallback;

    private HttpRequestMessage CreateRequest(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(ReportCostChild.FixedBody) };
        switch (Get("hdr", "none"))
        {
            case "lib":
                _ = request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                _ = request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
                _ = request.Headers.TryAddWithoutValidation(
                    "Measurements-Time",
                    DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                _ = request.Headers.TryAddWithoutValidation("Measurements-Count", 4.ToString(CultureInfo.InvariantCulture));
                break;
            case "pre":
                _ = request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                _ = request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
                _ = request.Headers.TryAddWithoutValidation("Measurements-Time", FormatNow());
                _ = request.Headers.TryAddWithoutValidation("Measurements-Count", "4");
                break;
        }

        return request;
    }

    // The timestamp without a format string to parse: fixed-width digits written into one string.
    private static string FormatNow()
    {
        var now = DateTime.UtcNow;
        return string.Create(24, now, static (span, t) =>
        {
            _ = t.TryFormat(span, out _, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        });
    }

    private Sender CreateSender()
    {
        HttpMessageHandler Handler() => Get("handler", "default") switch
        {
            "default" => new HttpClientHandler(),
            "lib" => LibraryHandler(),
            "lean" => LibraryHandler(propagate: false),
            var other => throw new ArgumentException($"Unknown handler '{other}'."),
        };

        switch (Get("send", "client"))
        {
            case "client":
                return new Sender(new HttpClient(Handler()) { Timeout = Timeout.InfiniteTimeSpan }, null);
            case "invoker":
                return new Sender(new HttpMessageInvoker(Handler()), null);
            case "factory":
                var services = new ServiceCollection();
                _ = services.AddHttpClient("lean")
                    .ConfigureHttpClient(static c => c.Timeout = Timeout.InfiniteTimeSpan)
                    .ConfigurePrimaryHttpMessageHandler(Handler)
                    .RemoveAllLoggers();
                var provider = services.BuildServiceProvider();
                return new Sender(null, provider);
            case var other:
                throw new ArgumentException($"Unknown send '{other}'.");
        }
    }

    private static SocketsHttpHandler LibraryHandler(bool propagate = true)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (!propagate)
        {
            handler.ActivityHeadersPropagator = null;
        }

        return handler;
    }

    private sealed class Sender(HttpMessageInvoker? invoker, ServiceProvider? provider) : IDisposable
    {
        private readonly IHttpClientFactory? _factory = provider?.GetRequiredService<IHttpClientFactory>();

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken token) => invoker switch
        {
            HttpClient client => client.SendAsync(request, completion, token),
            { } plain => plain.SendAsync(request, token),
            null => _factory!.CreateClient("lean").SendAsync(request, completion, token),
        };

        public HttpResponseMessage Send(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken token) => invoker switch
        {
            HttpClient client => client.Send(request, completion, token),
            { } plain => plain.Send(request, token),
            null => _factory!.CreateClient("lean").Send(request, completion, token),
        };

        public void Dispose()
        {
            invoker?.Dispose();
            provider?.Dispose();
        }
    }
}
