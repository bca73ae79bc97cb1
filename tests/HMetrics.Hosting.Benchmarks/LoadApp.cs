using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The load benchmark's app (scripts/load-benchmark.sh): the <c>dotnet new web</c> template's app — one
/// <c>GET /</c> answering "Hello World!", the template's logging levels — with or without <c>AddHerokuMetrics()</c>.
/// </summary>
/// <remarks>
/// <c>--load-app [--metrics] [--urls URL]</c>. With <c>--metrics</c> the library is configured as on a dyno, from the
/// environment: <c>HEROKU_METRICS_URL</c> and, for another interval, <c>HerokuMetrics__PostInterval</c>. The script
/// runs it with <c>DOTNET_gcServer=1</c>, the Web SDK's default, which this (console) project does not have.
/// </remarks>
internal static class LoadApp
{
    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args.Where(a => a != "--metrics").ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        });

        // The template's appsettings.json: Information, but Warning for ASP.NET Core (no log line per request).
        _ = builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (args.Contains("--metrics"))
        {
            AddReporter(builder.Services);
        }

        await using var app = builder.Build();
        _ = app.MapGet("/", static () => "Hello World!");
        await app.RunAsync();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddReporter(IServiceCollection services) => _ = services.AddHerokuMetrics();
}
