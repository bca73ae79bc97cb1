using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Usage: HMetrics.Hosting.AotSmoke <path to the natively published worker sample>
if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: HMetrics.Hosting.AotSmoke <native worker binary>");
    return 2;
}

const string Secret = "5f0c7a9e-2b1d-4e3f-8a6b-9c0d1e2f3a4b";
var verdict = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
var app = builder.Build();
app.MapPost("/metrics/{id}", async (HttpRequest request, string id) =>
{
    var problem = await CheckAsync(request, id);
    verdict.TrySetResult(problem);
    return problem is null ? Results.Ok() : Results.BadRequest(problem);
});
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

var start = new ProcessStartInfo(Path.GetFullPath(args[0]))
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
    Environment =
    {
        ["HEROKU_METRICS_URL"] = $"{address}/metrics/{Secret}",
        ["HerokuMetrics__PostInterval"] = "00:00:01",
        ["Logging__LogLevel__HMetrics.Hosting"] = "Debug",
        ["DOTNET_ENVIRONMENT"] = "Production",
    },
};
using var worker = Process.Start(start)!;
var output = new System.Text.StringBuilder();
worker.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
worker.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
worker.BeginOutputReadLine();
worker.BeginErrorReadLine();

var finished = await Task.WhenAny(verdict.Task, worker.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
string? failure = finished == verdict.Task ? await verdict.Task
    : worker.HasExited ? $"the native worker exited with code {worker.ExitCode} before reporting"
    : "no report within 60 s";

if (!worker.HasExited)
{
    worker.Kill(entireProcessTree: true);
    await worker.WaitForExitAsync();
}

await app.StopAsync();
string log;
lock (output)
{
    log = output.ToString();
}

if (failure is null && log.Contains(Secret, StringComparison.OrdinalIgnoreCase))
{
    failure = "the worker's log contains the secret part of the endpoint URL";
}

if (failure is not null)
{
    Console.Error.WriteLine($"AOT smoke test FAILED: {failure}\n--- worker output ---\n{log}");
    return 1;
}

Console.WriteLine("AOT smoke test passed: the natively compiled worker delivered a valid report to a loopback endpoint.");
return 0;

// Returns null when the report follows the protocol, else why not.
static async Task<string?> CheckAsync(HttpRequest request, string id)
{
    if (id != Secret)
    {
        return "wrong path";
    }

    if (request.ContentType != "application/json")
    {
        return "Content-Type is " + request.ContentType;
    }

    if (!DateTimeOffset.TryParse(request.Headers["Measurements-Time"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
        || (DateTimeOffset.UtcNow - time).Duration() > TimeSpan.FromMinutes(1))
    {
        return "bad Measurements-Time: " + request.Headers["Measurements-Time"];
    }

    if (string.IsNullOrEmpty(request.Headers.UserAgent))
    {
        return "no User-Agent";
    }

    using var body = await JsonDocument.ParseAsync(request.Body);
    var count = 0;
    foreach (var member in body.RootElement.EnumerateObject())
    {
        if (member.Name is not ("counters" or "gauges"))
        {
            return "unexpected member " + member.Name;
        }

        foreach (var metric in member.Value.EnumerateObject())
        {
            if (metric.Value.ValueKind != JsonValueKind.Number)
            {
                return metric.Name + " is not a number";
            }

            count++;
        }
    }

    if (request.Headers["Measurements-Count"] != count.ToString(CultureInfo.InvariantCulture))
    {
        return $"Measurements-Count {request.Headers["Measurements-Count"]} but {count} measurements";
    }

    return body.RootElement.GetProperty("counters").TryGetProperty("go.gc.collections", out _)
        && body.RootElement.GetProperty("gauges").TryGetProperty("go.memory.heap.bytes", out _)
        ? null
        : "the Go schema's names are missing";
}
