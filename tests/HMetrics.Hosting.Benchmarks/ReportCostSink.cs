using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The probes' sink, run in a process of its own so that its cost is never counted in a measured child: Kestrel on
/// 127.0.0.1 (ephemeral port) answering every POST with 200 and an empty body, as Heroku's endpoint does (an OTLP/HTTP
/// exporter accepts an empty 200 too). It records when each report arrived (the monotonic clock, which every process on
/// the machine shares), per path, so a probe can count the reports each child delivered inside its own window.
/// </summary>
/// <remarks>
/// Standard input drives it: a line <c>fail</c> makes it answer every POST with 503 (an outage) until a line <c>ok</c>;
/// end of input stops it. POSTs to any other path are answered the same way and not recorded.
/// </remarks>
internal static class ReportCostSink
{
    private static readonly Dictionary<string, List<(long At, bool Ok, long Bytes)>> Arrivals = new(StringComparer.Ordinal);
    private static volatile bool _failing;

    /// <summary>Runs until standard input closes; the first line written is <c>URL http://127.0.0.1:port</c>.</summary>
    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapPost("/r/{token}", static async (string token, HttpContext context) =>
        {
            var arrived = Stopwatch.GetTimestamp();
            var bytes = await LoopbackSink.DrainBodyAsync(context);
            var ok = !_failing;
            lock (Arrivals)
            {
                if (!Arrivals.TryGetValue(token, out var list))
                {
                    Arrivals[token] = list = [];
                }

                list.Add((arrived, ok, bytes));
            }

            context.Response.StatusCode = ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        });
        app.MapPost("/{**rest}", static async context =>
        {
            _ = await LoopbackSink.DrainBodyAsync(context);
            context.Response.StatusCode = _failing ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        });

        // Accepted reports of a token that arrived in [from, to] (Stopwatch timestamps).
        app.MapGet("/count/{token}", static (string token, long from, long to) =>
        {
            lock (Arrivals)
            {
                return Arrivals.TryGetValue(token, out var list) ? list.Count(t => t.Ok && t.At >= from && t.At <= to) : 0;
            }
        });

        // Every POST of a token so far: "accepted refused bytes".
        app.MapGet("/stats/{token}", static (string token) =>
        {
            lock (Arrivals)
            {
                return Arrivals.TryGetValue(token, out var list)
                    ? string.Create(CultureInfo.InvariantCulture, $"{list.Count(t => t.Ok)} {list.Count(t => !t.Ok)} {list.Sum(t => t.Bytes)}")
                    : "0 0 0";
            }
        });

        await app.StartAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"URL {app.Urls.First()}"));
        while (await Console.In.ReadLineAsync() is { } command)
        {
            _failing = command.Trim() switch
            {
                "fail" => true,
                "ok" => false,
                _ => _failing,
            };
        }

        await app.StopAsync();
    }
}
