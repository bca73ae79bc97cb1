using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Http;

/// <summary>
/// The reporter's <see cref="HerokuMetricsClient"/>: one per handler lifetime, replaced once the client's
/// <see cref="HttpClientFactoryOptions.HandlerLifetime"/> has elapsed, never one per report and never one for life.
/// </summary>
/// <remarks>
/// <para>
/// The handler chain is built here, from the configuration of the library's client in the factory's options, the way
/// <c>DefaultHttpClientFactory</c> builds one (a DI scope per chain unless <see cref="HttpClientFactoryOptions.SuppressHandlerScope"/>,
/// the registered <see cref="HttpMessageHandlerBuilder"/>, the client's handler steps, then an <see cref="HttpClient"/>
/// through the client's <see cref="HttpClient"/> steps), with three differences that keep the app's HTTP set-up from
/// changing what a report is or from seeing the dyno's URL:
/// </para>
/// <list type="bullet">
/// <item>Handlers the app adds to every client (<c>ConfigureHttpClientDefaults</c>: a resilience or hedging handler,
/// service discovery, an auth or header-propagation handler) are removed: the library's own retry policy is the policy,
/// and the app's credentials are not the endpoint's business. Its primary handler is kept, hardened: it is the
/// transport (a proxy, a certificate trust). Its <see cref="HttpClient"/> steps are not applied (default headers meant
/// for the app's services). See <see cref="AppWideConfiguration"/>.</item>
/// <item><see cref="IHttpMessageHandlerBuilderFilter"/>s are not run: they are how APM tools (Sentry's breadcrumbs) and
/// other app-wide observers wrap every client, and they would see the URL. Loggers (<c>AddLogger</c>,
/// extended HTTP logging) are not added either: they would log it.</item>
/// <item>Whatever primary handler results is hardened after every step (<see cref="PrimaryHandlerHardening"/>); one that
/// refuses (shared with the app's clients and already used) is replaced by the library's own, and that is logged.</item>
/// </list>
/// <para>
/// One caller at a time (the delivery loop, then the flush), each attempt over before the next asks for a client: a
/// replaced generation is disposed at the next replacement, one whole handler lifetime later, so an attempt still in
/// flight on it would complete all the same.
/// </para>
/// </remarks>
internal sealed class HerokuMetricsClientSource(
    IServiceProvider services,
    IOptionsMonitor<HttpClientFactoryOptions> factoryOptions,
    TimeProvider timeProvider,
    SafeLogger logger) : IDisposable
{
    private ClientGeneration? _current;
    private ClientGeneration? _retired;
    private bool _replacementLogged;

    /// <summary>Gets the client for the next attempt.</summary>
    /// <exception cref="Exception">Whatever a configuration step of the app throws while the chain is built.</exception>
    public HerokuMetricsClient Current
    {
        get
        {
            if (_current is { } current && !current.HasExpired(timeProvider))
            {
                return current.Client;
            }

            var next = Create();
            _retired?.Dispose();
            _retired = _current;
            _current = next;
            return next.Client;
        }
    }

    /// <summary>Gets the handler chain of the current client, for tests.</summary>
    internal HttpMessageHandler? CurrentChain => _current?.Chain;

    public void Dispose()
    {
        _retired?.Dispose();
        _current?.Dispose();
        _retired = _current = null;
    }

    private static SocketsHttpHandler DefaultPrimaryHandler(IServiceProvider services) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ActivityHeadersPropagator = null,

        // As the factory's own filter does for every client: the app's meter factory owns the handler's instruments.
        MeterFactory = services.GetService<IMeterFactory>(),
    };

    private ClientGeneration Create()
    {
        // Read per generation, as the factory does: a changed configuration applies from the next chain on.
        var options = factoryOptions.Get(HerokuMetricsClient.Name);
        var scope = options.SuppressHandlerScope ? null : services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        HttpMessageHandler? chain = null;
        HttpClient? httpClient = null;
        try
        {
            var provider = scope?.ServiceProvider ?? services;
            var builder = provider.GetRequiredService<HttpMessageHandlerBuilder>();
            builder.Name = HerokuMetricsClient.Name;

            // In the place of the factory's default: steps that configure the existing primary handler configure this one.
            builder.PrimaryHandler = DefaultPrimaryHandler(provider);

            var steps = options.HttpMessageHandlerBuilderActions;
            var own = AppWideConfiguration.OwnHandlerSteps(steps);
            for (var i = 0; i < own - 1; i++)
            {
                steps[i](builder);
            }

            builder.AdditionalHandlers.Clear();
            for (var i = own; i < steps.Count; i++)
            {
                steps[i](builder);
            }

            if (!PrimaryHandlerHardening.TryApply(builder.PrimaryHandler))
            {
                builder.PrimaryHandler = DefaultPrimaryHandler(provider);
                if (!_replacementLogged)
                {
                    _replacementLogged = true;
                    Log.PrimaryHandlerReplaced(logger);
                }
            }

            chain = builder.Build();
            httpClient = new HttpClient(chain, disposeHandler: false);
            var clientSteps = options.HttpClientActions;
            for (var i = AppWideConfiguration.OwnClientSteps(clientSteps); i < clientSteps.Count; i++)
            {
                clientSteps[i](httpClient);
            }

            return new ClientGeneration(
                new HerokuMetricsClient(httpClient, chain),
                httpClient,
                chain,
                scope,
                timeProvider.GetTimestamp(),
                options.HandlerLifetime);
        }
        catch
        {
            httpClient?.Dispose();
            chain?.Dispose();
            scope?.Dispose();
            throw;
        }
    }
}
