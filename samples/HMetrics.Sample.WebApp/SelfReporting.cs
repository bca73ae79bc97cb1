using HMetrics.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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
    public static IServiceCollection AddSelfReporting(this IServiceCollection services)
    {
        _ = services.AddHerokuMetricsDevSink();
        _ = services.AddSingleton<SelfEndpoint>();
        _ = services.AddSingleton<IPostConfigureOptions<HerokuMetricsOptions>>(static sp => sp.GetRequiredService<SelfEndpoint>());
        _ = services.AddSingleton<IOptionsChangeTokenSource<HerokuMetricsOptions>>(static sp => sp.GetRequiredService<SelfEndpoint>());
        return services;
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
