using HMetrics.Sample.Worker;
using Microsoft.Extensions.Options;

// Configured the way it runs on a dyno: environment variables only. Locally, against the dev sink run standalone
// (`dotnet run --project samples/HMetrics.DevSink`, which listens on 127.0.0.1:5199 and takes reports at /metrics/<id>):
//   HEROKU_METRICS_URL=http://127.0.0.1:5199/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f
//   HerokuMetrics__PostInterval=00:00:01
//   Logging__LogLevel__HMetrics.Hosting=Debug   (set with env: bash names cannot hold a dot)
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddHostedService<CollectionCountAtShutdown>();
builder.Services.AddHerokuMetrics();
builder.Services.AddHostedService<AllocatingWork>();

using var host = builder.Build();
try
{
    await host.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    // An endpoint that is set but unusable is a broken environment: say why and exit non-zero, as Go's Spawn errors.
    await Console.Error.WriteLineAsync($"HMetrics.Hosting configuration is invalid: {ex.Message}");
    return 1;
}
