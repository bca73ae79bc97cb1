namespace HMetrics.DevSink;

/// <summary>
/// The sink on its own, for the worker sample or any other reporter: <c>dotnet run --project samples/HMetrics.DevSink</c>,
/// then <c>HEROKU_METRICS_URL=http://127.0.0.1:5199/metrics/&lt;any-dyno-id&gt;</c> and the charts at http://127.0.0.1:5199/.
/// </summary>
internal static class Program
{
    /// <summary>The documented fixed address; <c>--urls</c> or <c>ASPNETCORE_URLS</c> override it.</summary>
    internal const string DefaultUrl = "http://127.0.0.1:5199";

    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            _ = builder.WebHost.UseUrls(DefaultUrl);
        }

        // What the sink does with each report is the point; ASP.NET Core's per-request lines would drown it.
        _ = builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        _ = builder.Services.AddHerokuMetricsDevSink();
        var app = builder.Build();
        _ = app.MapHerokuMetricsDevSink("/");

        await app.StartAsync();
        foreach (var url in app.Urls)
        {
            app.Logger.LogInformation("Heroku metrics dev sink: POST reports to {Url}/metrics/<dyno-id>, charts at {ChartsUrl}", url.TrimEnd('/'), url.TrimEnd('/') + "/");
        }

        await app.WaitForShutdownAsync();
    }
}
