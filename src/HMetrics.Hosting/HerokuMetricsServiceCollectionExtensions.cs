using System.Diagnostics.Metrics;
using System.Net;
using HMetrics.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the Heroku language-metrics reporter.
/// </summary>
public static class HerokuMetricsServiceCollectionExtensions
{
    /// <summary>
    /// Adds a hosted service that posts runtime metrics to <c>HEROKU_METRICS_URL</c>, configured from the
    /// <c>HerokuMetrics</c> configuration section.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>
    /// The builder of the library's HTTP client, to add handlers or replace the primary handler (a custom CA trust
    /// store, a proxy). Redirects stay disabled whatever primary handler is used.
    /// </returns>
    /// <remarks>Calling it again registers nothing new; configure delegates of every call apply in order.</remarks>
    public static IHttpClientBuilder AddHerokuMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddCore(services);
    }

    /// <summary>
    /// Adds a hosted service that posts runtime metrics to <c>HEROKU_METRICS_URL</c>, configured from the
    /// <c>HerokuMetrics</c> configuration section and then by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the options after configuration binding.</param>
    /// <returns>
    /// The builder of the library's HTTP client, to add handlers or replace the primary handler (a custom CA trust
    /// store, a proxy). Redirects stay disabled whatever primary handler is used.
    /// </returns>
    /// <remarks>Calling it again registers nothing new; configure delegates of every call apply in order.</remarks>
    public static IHttpClientBuilder AddHerokuMetrics(this IServiceCollection services, Action<HerokuMetricsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        var builder = AddCore(services);
        HerokuMetricsOptionsPipeline.AddConfigure(services, configure);
        return builder;
    }

    private static IHttpClientBuilder AddCore(IServiceCollection services)
    {
        if (services.Any(static d => d.ServiceType == typeof(HerokuMetricsReporter)))
        {
            // Registers nothing new: a builder for the same client, whose steps count as the client's own.
            return services.AddHttpClient(HerokuMetricsClient.Name);
        }

        // Options/HerokuMetricsOptionsPipeline.cs names the steps in the order they run.
        HerokuMetricsOptionsPipeline.Register(services);
        services.TryAddSingleton(TimeProvider.System);
        _ = services.AddSingleton<HerokuMetricsStatusWriter>();
        _ = services.AddSingleton<IHerokuMetricsStatusProvider>(static sp => sp.GetRequiredService<HerokuMetricsStatusWriter>());
        _ = services.AddLogging();

        _ = services.AddSingleton(static sp => new HerokuMetricsReporter(
            new ReportingDependencies(
                sp.GetRequiredService<IOptionsMonitor<HerokuMetricsOptions>>(),
                sp.GetRequiredService<HerokuMetricsOptionsPipeline>(),
                logger => new HerokuMetricsClientSource(
                    sp,
                    sp.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>(),
                    sp.GetRequiredService<TimeProvider>(),
                    logger),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<HerokuMetricsStatusWriter>(),
                sp.GetService<IMeterFactory>(),
                sp.GetService<StartPhase>() ?? StartPhase.Random),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<IHostApplicationLifetime>()));
        _ = services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<HerokuMetricsReporter>());

        // The typed client. The reporter makes its instances itself, one per handler lifetime, over a handler chain built
        // from this client's configuration without the app-wide parts (see HerokuMetricsClientSource).
        var builder = services.AddHttpClient<HerokuMetricsClient>(HerokuMetricsClient.Name);

        // The client's first step: what ConfigureHttpClientDefaults registers, before or after this call, stays in front
        // of it, so the app-wide steps can be told from the client's own (see AppWideConfiguration).
        _ = builder.Services.Configure<HttpClientFactoryOptions>(builder.Name, AppWideConfiguration.MarkEnd);

        // Before any step of the user's, so a Timeout set with ConfigureHttpClient wins; infinite, the library's own
        // deadline alone bounds an attempt and no second timer is armed per report.
        _ = builder.ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan)

            // For the factory's own path (the typed client resolved from the container; the reporter never does): the
            // factory's default logging writes the request URL at Information and Trace.
            .RemoveAllLoggers();

        return builder;
    }
}
