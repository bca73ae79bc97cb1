using HMetrics.Sample.WebApp;

var builder = WebApplication.CreateBuilder(args);

// Configured from appsettings.json's HerokuMetrics section (and appsettings.Development.json: a report every 5 s).
builder.Services.AddHerokuMetrics();

// Development with no HEROKU_METRICS_URL: report to the dev sink mounted in this very app. Never outside Development.
var selfReporting = SelfReporting.IsWanted(builder.Environment, builder.Configuration);
if (selfReporting)
{
    builder.Services.AddSelfReporting();
}

if (builder.Configuration.GetValue<bool>("Sample:GenerateLoad"))
{
    builder.Services.AddHostedService<GeneratedLoad>();
}

var app = builder.Build();

app.MapGet("/", () => Results.Text(
    """
    HMetrics.Hosting sample. Endpoints that make the charts move:
      GET /allocate?mb=50               allocates about 50 MB of short-lived arrays (GC collections, pause, heap)
      GET /contend?workers=8&iterations=500   makes thread-pool workers fight over one lock (threads, contentions)
    In Development without HEROKU_METRICS_URL, the charts are at /_hmetrics/
    """));

app.MapGet("/allocate", (int? mb) =>
{
    var megabytes = Math.Clamp(mb ?? 50, 1, 1024);
    var collections = Work.Allocate(megabytes);
    return Results.Ok(new { allocatedMegabytes = megabytes, gen0Collections = collections });
});

app.MapGet("/contend", async (int? workers, int? iterations) =>
{
    var contentions = await Work.ContendAsync(Math.Clamp(workers ?? 8, 1, 64), Math.Clamp(iterations ?? 500, 1, 100_000));
    return Results.Ok(new { lockContentions = contentions });
});

if (selfReporting)
{
    app.MapSelfReporting();
}

app.Run();
public partial class Program;
