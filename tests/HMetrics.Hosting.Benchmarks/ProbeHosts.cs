using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// The hosts the process-level probes measure: the worker template's builder (default logging and all: what an app
/// that adds a reporter has), plus one reporter. Each addition is a method of its own so a host without it never has
/// its assemblies loaded by the JIT.
/// </summary>
internal static class ProbeHosts
{
    public static IHost Build(Action<HostApplicationBuilder>? add = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        add?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>The library through its public API only: <c>AddHerokuMetrics</c> with an endpoint, an interval, a schema.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddReporter(HostApplicationBuilder builder, HerokuMetricsSchema schema, Uri url, TimeSpan? interval)
    {
        _ = builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HerokuMetrics:FlushOnShutdown"] = "false" });
        _ = builder.Services.AddHerokuMetrics(o =>
        {
            o.Endpoint = url.ToString();
            if (interval is { } i)
            {
                o.PostInterval = i;
            }

            o.Schema = schema;
        });
    }

    /// <summary>The lab clock for the library (see <see cref="StretchedTimeouts"/>); registered before the library's.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddLabClock(HostApplicationBuilder builder, TimeSpan? stretchTimeoutsTo) =>
        _ = builder.Services.AddSingleton<TimeProvider>(new StretchedTimeouts(stretchTimeoutsTo));

    /// <summary>
    /// The peer: OpenTelemetry .NET's runtime instrumentation (on .NET 9+ the runtime's own <c>System.Runtime</c>
    /// meter) and the OTLP exporter over HTTP/protobuf, exporting every <paramref name="interval"/> to
    /// <paramref name="url"/> as given (set in code, the exporter adds no <c>/v1/metrics</c>).
    /// </summary>
    /// <param name="timeout">The exporter's request timeout; null keeps its default (10 s).</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddOpenTelemetry(HostApplicationBuilder builder, Uri url, TimeSpan interval, TimeSpan? timeout) =>
        _ = builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddRuntimeInstrumentation()
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = url;
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                if (timeout is { } t)
                {
                    exporter.TimeoutMilliseconds = (int)t.TotalMilliseconds;
                }

                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
            }));

    /// <summary>The floor as a hosted service (<see cref="FloorLoopService"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddFloorLoop(HostApplicationBuilder builder, Uri url, TimeSpan interval) =>
        _ = builder.Services.AddHostedService(_ => new FloorLoopService(url, interval));

    /// <summary>The floor with stand-in parts (<see cref="FloorPartsLoopService"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AddFloorLoopWithParts(HostApplicationBuilder builder, Uri url, TimeSpan interval, ISet<string> parts)
    {
        if (parts.Contains("factory"))
        {
            AddFloorClient(builder.Services);
        }

        _ = builder.Services.AddHostedService(sp => new FloorPartsLoopService(url, interval, parts, sp.GetService<IHttpMessageHandlerFactory>()));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddFloorClient(IServiceCollection services) =>
        _ = services.AddHttpClient("floor").RemoveAllLoggers();
}
