using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// Build, start, stop and dispose a generic host, with and without <c>AddHerokuMetrics()</c>, in a warm process. The
/// cold-process cost (first-time JIT, assemblies loaded) is measured by <see cref="ColdStartProbe"/>.
/// </summary>
[MemoryDiagnoser]
public class StartupBenchmarks
{
    [Benchmark(Baseline = true, Description = "host start+stop without AddHerokuMetrics")]
    public Task Without() => RunHostAsync(withMetrics: false);

    [Benchmark(Description = "host start+stop with AddHerokuMetrics")]
    public Task With() => RunHostAsync(withMetrics: true);

    internal static async Task RunHostAsync(bool withMetrics)
    {
        using var host = Build(withMetrics);
        await host.StartAsync();
        await host.StopAsync();
    }

    /// <summary>
    /// The worker template's builder with console logging removed (its cost is the provider's, not ours). The endpoint is
    /// set, as on a dyno, so the reporter really starts; the first report is one interval away and the shutdown flush is
    /// off, so no request is made.
    /// </summary>
    internal static IHost Build(bool withMetrics) => Build(withMetrics ? StartVariant.With : StartVariant.Without);

    /// <inheritdoc cref="Build(bool)"/>
    internal static IHost Build(StartVariant variant)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        switch (variant)
        {
            case StartVariant.With:
                AddHerokuMetrics(builder);
                break;
            case StartVariant.StandIns:
                StartupStandIns.Add(builder);
                break;
        }

        return builder.Build();
    }

    // A method of its own, so that the host without metrics never has the library's assemblies loaded by the JIT.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddHerokuMetrics(HostApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HerokuMetrics:Endpoint"] = "http://127.0.0.1:9/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f",
            ["HerokuMetrics:FlushOnShutdown"] = "false",
        });
        _ = builder.Services.AddHerokuMetrics();
    }
}
