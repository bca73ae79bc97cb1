using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The report-cost probe's sink, run in a process of its own so that its cost is never counted in a measured child:
/// Kestrel on 127.0.0.1 (ephemeral port) answering every POST with 200 and an empty body, as Heroku's endpoint does.
/// It records when each report arrived (the monotonic clock, which every process on the machine shares), per path, so
/// the probe can count the reports each child delivered inside its own measuring window.
/// </summary>
internal static class ReportCostSink
{
    private static readonly Dictionary<string, List<long>> Arrivals = new(StringComparer.Ordinal);

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
            await LoopbackSink.DrainBodyAsync(context);

            lock (Arrivals)
            {
                if (!Arrivals.TryGetValue(token, out var list))
                {
                    Arrivals[token] = list = [];
                }

                list.Add(arrived);
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
        });

        // Reports of a token that arrived in [from, to] (Stopwatch timestamps).
        app.MapGet("/count/{token}", static (string token, long from, long to) =>
        {
            lock (Arrivals)
            {
                return Arrivals.TryGetValue(token, out var list) ? list.Count(t => t >= from && t <= to) : 0;
            }
        });

        await app.StartAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"URL {app.Urls.First()}"));
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
    }
}
