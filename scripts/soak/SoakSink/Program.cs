using System.Text.Json;

// A Heroku-like metrics endpoint that fails a share of reports at random, and keeps the books:
//   POST /metrics/{dyno}  200 (counted) or, with probability --failure-rate, one of 500, 503 + Retry-After, 429,
//                         a reset connection or a 500 after longer than the reporter's timeout (never counted);
//   POST /control/heal    stop failing, so the shutdown flush lands;
//   GET  /summary         what was accepted: reports, failures by kind, the summed go.gc.collections, heap samples.
var failureRate = args.SkipWhile(a => a != "--failure-rate").Skip(1).Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault(0.3);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

var gate = new Lock();
var healed = false;
long accepted = 0;
double gcSum = 0;
var failures = new Dictionary<string, long>();
var heap = new List<double[]>();
var started = DateTime.UtcNow;

app.MapPost("/control/heal", () =>
{
    lock (gate)
    {
        healed = true;
    }

    return Results.Ok();
});

app.MapGet("/summary", () =>
{
    lock (gate)
    {
        return Results.Json(new { accepted, gcSum, failures, heap });
    }
});

app.MapPost("/metrics/{dyno}", async (HttpContext ctx) =>
{
    using var body = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
    string? fault = null;
    lock (gate)
    {
        if (!healed && Random.Shared.NextDouble() < failureRate)
        {
            fault = Random.Shared.Next(5) switch
            {
                0 => "500",
                1 => "503",
                2 => "429",
                3 => "reset",
                _ => "timeout",
            };
            failures[fault] = failures.GetValueOrDefault(fault) + 1;
        }
    }

    switch (fault)
    {
        case "500":
            return Results.StatusCode(500);
        case "503":
            ctx.Response.Headers.RetryAfter = "1";
            return Results.StatusCode(503);
        case "429":
            return Results.StatusCode(429);
        case "reset":
            ctx.Abort();
            return Results.Empty;
        case "timeout":
            // Longer than the reporter's timeout; whatever comes after it, the reporter has already given up.
            await Task.Delay(TimeSpan.FromSeconds(3), ctx.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
            return Results.StatusCode(500);
    }

    var root = body.RootElement;
    lock (gate)
    {
        accepted++;
        if (root.GetProperty("counters").TryGetProperty("go.gc.collections", out var gcs))
        {
            gcSum += gcs.GetDouble();
        }

        if (root.GetProperty("gauges").TryGetProperty("go.memory.heap.bytes", out var bytes))
        {
            heap.Add([(DateTime.UtcNow - started).TotalSeconds, bytes.GetDouble()]);
        }
    }

    return Results.Ok();
});

await app.StartAsync();
Console.WriteLine("soak-sink listening on " + app.Urls.First());
await app.WaitForShutdownAsync();
