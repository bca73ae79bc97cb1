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
            return new HerokuMetricsHttpClientBuilder(services);
        }

        // Options/HerokuMetricsOptionsPipeline.cs names the steps in the order they run.
        HerokuMetricsOptionsPipeline.Register(services);
        services.TryAddSingleton(TimeProvider.System);
        _ = services.AddSingleton<HerokuMetricsStatusWriter>();
        _ = services.AddSingleton<IHerokuMetricsStatusProvider>(static sp => sp.GetRequiredService<HerokuMetricsStatusWriter>());
        _ = services.AddLogging();

        _ = services.AddSingleton(static sp => new HerokuMetricsReporter(
            sp.GetRequiredService<IOptionsMonitor<HerokuMetricsOptions>>(),
            sp.GetRequiredService<HerokuMetricsOptionsPipeline>(),
            () => new ReportInvoker(
                sp.GetRequiredService<IHttpMessageHandlerFactory>(),
                sp.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>(),
                sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<HerokuMetricsStatusWriter>(),
            sp.GetService<IMeterFactory>(),
            sp.GetService<IHostApplicationLifetime>()));
        _ = services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<HerokuMetricsReporter>());

        // A named client: the reporter uses its handler chain only (see ReportInvoker), never an HttpClient object.
        var builder = services.AddHttpClient(HerokuMetricsClient.Name)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })

            // The factory's default logging writes the request URL at Information and Trace: it must never see ours.
            .RemoveAllLoggers();

        // Runs after every user configuration, so a replaced (or wrapped) primary handler cannot re-enable redirects,
        // which would re-send the dyno's data to another address, nor put the dyno id into the app's traces.
        _ = services.AddSingleton<IPostConfigureOptions<HttpClientFactoryOptions>>(
            new PostConfigureOptions<HttpClientFactoryOptions>(HerokuMetricsClient.Name, static options =>
                options.HttpMessageHandlerBuilderActions.Add(static b => PrimaryHandlerHardening.Apply(b.PrimaryHandler))));

        return builder;
    }
}
