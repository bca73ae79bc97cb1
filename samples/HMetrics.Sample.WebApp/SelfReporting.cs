using HMetrics.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace HMetrics.Sample.WebApp;

/// <summary>
/// The embedded default: in Development, with no endpoint configured, the app mounts the dev sink and reports to it.
/// </summary>
/// <remarks>
/// The reporter reads its options when it starts, which is before the server listens, so the endpoint is first taken
/// from the configured URLs (launchSettings sets http://127.0.0.1:5080); once the server has started, the options are
/// reloaded from the addresses it actually bound, so <c>--urls</c>, <c>ASPNETCORE_URLS</c> and port 0 work too.
/// The reporter picks up the reloaded endpoint at its next report, the first of which comes one interval after start.
/// </remarks>
public static class SelfReporting
{
    /// <summary>Where the sink is mounted.</summary>
    public const string Prefix = "/_hmetrics";

    /// <summary>The dyno id the app reports as; Heroku's last path segment is a UUID too.</summary>
    public const string DynoId = "de5e10b0-0000-4000-8000-00000000da7a";

    /// <summary>
    /// Decides before <c>AddHerokuMetrics</c> reads anything: Development, and neither <c>HEROKU_METRICS_URL</c> nor
    /// <c>HerokuMetrics:Endpoint</c> set. With either set, the app behaves exactly as on Heroku.
    /// </summary>
    public static bool IsWanted(IHostEnvironment environment, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(configuration);
        return environment.IsDevelopment()
            && string.IsNullOrWhiteSpace(configuration[HerokuMetricsOptions.EndpointEnvironmentVariable])
            && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable))
            && string.IsNullOrWhiteSpace(configuration[HerokuMetricsOptions.SectionName + ":Endpoint"]);
    }

    /// <summary>Adds the dev sink and points the reporter at it. Call after <c>AddHerokuMetrics</c>.</summary>
    public static WebApplicationBuilder AddSelfReporting(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        _ = services.AddHerokuMetricsDevSink();
        _ = services.AddSingleton<SelfEndpoint>();
        _ = services.AddSingleton<IPostConfigureOptions<HerokuMetricsOptions>>(static sp => sp.GetRequiredService<SelfEndpoint>());
        _ = services.AddSingleton<IOptionsChangeTokenSource<HerokuMetricsOptions>>(static sp => sp.GetRequiredService<SelfEndpoint>());

        // Applied to the final service collection, just before the container is built, so it wraps whichever server
        // is registered last (Kestrel from WebApplication, or the one a test host puts in its place).
        _ = builder.Host.ConfigureContainer<IServiceCollection>(static (_, all) => KeepListeningUntilHostedServicesStop(all));
        return builder;
    }

    /// <summary>
    /// The reporter's final report on shutdown goes to the sink in this very app, but the host stops the web server
    /// first (WebApplication starts Kestrel after every other hosted service, so stops it before them) and the report
    /// would meet a closed port. Here the server's stop waits until every hosted service, the reporter included,
    /// has stopped: <see cref="DeferredStopServer"/> ignores the early stop and <see cref="ServerStopper"/> stops the
    /// server in <see cref="IHostedLifecycleService.StoppedAsync"/>, still within the host's shutdown timeout.
    /// </summary>
    private static void KeepListeningUntilHostedServicesStop(IServiceCollection services)
    {
        var original = services.LastOrDefault(static d => d.ServiceType == typeof(IServer) && !d.IsKeyedService);
        if (original is null)
        {
            return;
        }

        _ = services.Remove(original);
        _ = services.AddSingleton(sp => new DeferredStopServer(original switch
        {
            { ImplementationInstance: IServer instance } => instance,
            { ImplementationFactory: { } factory } => (IServer)factory(sp),
            _ => (IServer)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!),
        }));
        _ = services.AddSingleton<IServer>(static sp => sp.GetRequiredService<DeferredStopServer>());
        _ = services.AddHostedService<ServerStopper>();
    }

    /// <summary>Mounts the sink and says on the console where the charts are once the server listens.</summary>
    public static WebApplication MapSelfReporting(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.MapHerokuMetricsDevSink(Prefix);
        _ = app.Lifetime.ApplicationStarted.Register(() =>
        {
            var origin = app.Services.GetRequiredService<SelfEndpoint>().Origin();
            app.Logger.LogInformation(
                "Heroku metrics dev sink mounted (Development, no HEROKU_METRICS_URL): reporting to this app. Charts: {ChartsUrl}",
                origin + Prefix + "/");
        });
        return app;
    }

    /// <summary>The base address clients of this app should use, e.g. <c>http://127.0.0.1:5080</c>.</summary>
    internal static string OriginOf(IEnumerable<string> addresses)
    {
        var candidates = addresses.Select(static a => a.Split(';')).SelectMany(static a => a)
            .Select(static a => a.Trim())
            .Where(static a => a.Length > 0)
            .ToList();

        // Plain http first: the reporter's client would not trust a local development certificate on every machine.
        var chosen = candidates.FirstOrDefault(static a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? candidates.FirstOrDefault()
            ?? "http://localhost:5000";

        // Wildcard hosts (+, *, 0.0.0.0, [::]) can be listened on but not connected to: use loopback instead.
        var scheme = chosen[..chosen.IndexOf("://", StringComparison.Ordinal)];
        var rest = chosen[(scheme.Length + 3)..].TrimEnd('/');
        var colon = rest.LastIndexOf(':');
        var host = colon > 0 && !rest.EndsWith(']') ? rest[..colon] : rest;
        var port = colon > 0 && !rest.EndsWith(']') ? rest[colon..] : string.Empty;
        if (host is "+" or "*" or "0.0.0.0" or "[::]")
        {
            host = "127.0.0.1";
        }

        return scheme.ToLowerInvariant() + "://" + host + port;
    }

    /// <summary>Fills the endpoint, and reloads the options once, when the server's addresses are known.</summary>
    internal sealed class SelfEndpoint(IServer server, IConfiguration configuration, IHostApplicationLifetime lifetime)
        : IPostConfigureOptions<HerokuMetricsOptions>, IOptionsChangeTokenSource<HerokuMetricsOptions>
    {
        private int _tokensGiven;

        public string Name => Options.DefaultName;

        public void PostConfigure(string? name, HerokuMetricsOptions options) =>
            options.Endpoint = Origin() + Prefix + "/metrics/" + DynoId;

        public IChangeToken GetChangeToken() =>

            // Only the first token waits for the start; a token that has already fired would be re-armed forever.
            Interlocked.Increment(ref _tokensGiven) == 1
                ? new CancellationChangeToken(lifetime.ApplicationStarted)
                : NeverChanges.Instance;

        public string Origin()
        {
            var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            if (bound is { Count: > 0 } && !bound.Any(static a => a.EndsWith(":0", StringComparison.Ordinal)))
            {
                return OriginOf(bound);
            }

            var configured = configuration[WebHostDefaults.ServerUrlsKey];
            return OriginOf(string.IsNullOrWhiteSpace(configured) ? [] : [configured]);
        }
    }

    /// <summary>The app's server, whose stop is postponed until <see cref="StopNowAsync"/>.</summary>
    internal sealed class DeferredStopServer(IServer inner) : IServer
    {
        public IFeatureCollection Features => inner.Features;

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => inner.StartAsync(application, cancellationToken);

        // Called by the host's web service, before the other hosted services stop: keep serving for now.
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopNowAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Stops the server once every hosted service has stopped.</summary>
    private sealed class ServerStopper(DeferredStopServer server) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => server.StopNowAsync(cancellationToken);
    }

    private sealed class NeverChanges : IChangeToken
    {
        public static readonly NeverChanges Instance = new();

        public bool HasChanged => false;

        public bool ActiveChangeCallbacks => false;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => EmptyDisposable.Instance;
    }

    private sealed class EmptyDisposable : IDisposable
    {
        public static readonly EmptyDisposable Instance = new();

        public void Dispose()
        {
        }
    }
}
