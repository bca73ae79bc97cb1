using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The start-up floor of the package's design, with none of the library's code: a hosted <c>BackgroundService</c> that
/// waits for <c>ApplicationStarted</c> (as the reporter does), a named client from <c>IHttpClientFactory</c>, and
/// options bound from the <c>HerokuMetrics</c> section by the configuration-binding source generator and validated on
/// start (an absolute http(s) endpoint, as the library requires). Issue 20's start-up goal is "AddHerokuMetrics ≤ these
/// + 2 ms", measured in the same run.
/// </summary>
internal static class StartupStandIns
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Add(HostApplicationBuilder builder)
    {
        _ = builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HerokuMetrics:Endpoint"] = "http://127.0.0.1:9/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f",
            ["HerokuMetrics:FlushOnShutdown"] = "false",
        });
        _ = builder.Services.AddOptionsWithValidateOnStart<StandInOptions>()
            .BindConfiguration("HerokuMetrics")
            .Validate(
                static o => Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps),
                "Endpoint must be an absolute http(s) URL.");
        _ = builder.Services.AddHttpClient("stand-in");
        _ = builder.Services.AddHostedService<StandInService>();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ReadOptions(IServiceProvider services) =>
        _ = services.GetRequiredService<IOptionsMonitor<StandInOptions>>().CurrentValue;
}
