using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly.CircuitBreaker;

namespace HMetrics.Hosting.Tests.Integration.Composition;

/// <summary>
/// Issue 25, cases 1, 2, 3 and 7: what an app configures for every HTTP client (<c>ConfigureHttpClientDefaults</c>,
/// as .NET Aspire's service defaults do) neither changes what a report is nor lets the library's outage reach the app,
/// whichever the app registers first.
/// </summary>
public sealed class AppWideDefaultsTests
{
    /// <summary>Whether the app registers its defaults before or after <c>AddHerokuMetrics</c>.</summary>
    public static TheoryData<string> Orders => new() { "defaults first", "defaults last" };

    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private static string At(double seconds) =>
        new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddSeconds(seconds).UtcDateTime
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static MetricsHost Host(HerokuLikeServer server, string order, Action<IServiceCollection> app, params (string Key, string? Value)[] settings)
    {
        var configuration = MetricsHost.Settings(server, [("HerokuMetrics:FlushOnShutdown", "false"), ("HerokuMetrics:BackoffJitter", "00:00:00"), .. settings]);
        return order switch
        {
            "defaults first" => MetricsHost.Create(configuration, configureServicesFirst: app),
            "defaults last" => MetricsHost.Create(configuration, app),
            "none" => MetricsHost.Create(configuration),
            _ => throw new ArgumentOutOfRangeException(nameof(order), order, null),
        };
    }

    private static HttpClient DependencyClient(MetricsHost host) =>
        host.Host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(ModernApp.Dependency);

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Case_1_the_apps_calls_to_its_healthy_dependency_are_unaffected_by_the_endpoints_outage(string order)
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var dependency = await HerokuLikeServer.StartAsync();
        endpoint.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        var app = new ModernApp();

        // The standard handler's breaker, deciding after two calls instead of a hundred, so a handful of requests show
        // what a busy app shows: one breaker for every client that the defaults reach.
        await using var host = Host(endpoint, order, services =>
        {
            app.AddAspireDefaults(services, resilience: o => o.CircuitBreaker.MinimumThroughput = 2);
            ModernApp.AddDependencyClient(services);
        });
        await host.StartAndWaitForFirstTimerAsync();
        using var client = DependencyClient(host);
        using (var healthy = await client.GetAsync(new Uri(dependency.Url("/orders"))))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        // The endpoint answers the first report 503: the library logs it, or (when its requests run through the app's
        // pipeline) the shared breaker opens on it.
        host.Time.Advance(MetricsHost.DefaultInterval);
        _ = await endpoint.NextAsync();
        _ = await Task.WhenAny(host.WaitForLogAsync("ReportFailed"), app.BreakerOpened.Task);

        Exception? rejected = null;
        try
        {
            using var response = await client.GetAsync(new Uri(dependency.Url("/orders")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        catch (BrokenCircuitException ex)
        {
            rejected = ex;
        }

        Assert.Null(rejected);
        Assert.False(app.BreakerOpened.Task.IsCompleted);
        Assert.Contains("status 503", Assert.Single(host.Records("ReportFailed")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Case_1_reports_are_delivered_while_the_apps_failing_dependency_holds_the_apps_breaker_open(string order)
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var dependency = await HerokuLikeServer.StartAsync();
        dependency.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        var app = new ModernApp();
        // A report due within the breaker's break duration (5 s), so the app's breaker is still open when it goes.
        await using var host = Host(
            endpoint,
            order,
            services =>
            {
                app.AddAspireDefaults(services, resilience: o => o.CircuitBreaker.MinimumThroughput = 2);
                ModernApp.AddDependencyClient(services);
            },
            ("HerokuMetrics:PostInterval", "00:00:01"));
        await host.StartAndWaitForFirstTimerAsync(Seconds(1));
        using var client = DependencyClient(host);

        // Two calls fail: the app's breaker opens (their retries wait on the fake clock meanwhile, until cancelled).
        using var appStopping = new CancellationTokenSource();
        var calls = new[] { CallAsync(client, dependency, appStopping.Token), CallAsync(client, dependency, appStopping.Token) };
        try
        {
            await app.BreakerOpened.Task.WaitAsync(TimeSpan.FromSeconds(20));

            host.Time.Advance(Seconds(1));
            await host.WaitForAnyLogAsync("ReportDelivered", "ReportFailed");

            Assert.Empty(host.Records("ReportFailed"));
            Assert.Single(host.Records("ReportDelivered"));
            Assert.Equal(1, endpoint.RequestCount);
        }
        finally
        {
            // Calls still waiting in the app's pipeline would hold up its disposal.
            await appStopping.CancelAsync();
            await Task.WhenAll(calls);
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("defaults first")]
    [InlineData("defaults last")]
    public async Task Case_2_under_app_wide_resilience_defaults_reports_keep_their_request_count_and_Retry_After_timing(string order)
    {
        // The same script for every order: with no defaults at all, it is the library's own behaviour. The Retry-After
        // is within MaxBackoff (20 s by default), so it is honoured as sent, and it wins over the retry budget: the retry
        // goes when the endpoint asked, before the next tick.
        var retryAfter = Seconds(15);
        Assert.True(retryAfter < HerokuMetricsOptions.DefaultMaxBackoff);
        await using var endpoint = await HerokuLikeServer.StartAsync();
        endpoint.RespondWithStatus(HttpStatusCode.ServiceUnavailable, "15");
        var app = new ModernApp();
        await using var host = Host(endpoint, order, services => app.AddAspireDefaults(services));

        await host.StartAndSendFirstReportAsync();
        Assert.Equal(At(20), (await endpoint.NextAsync()).Header("Measurements-Time"));

        // The library's policy: one request, a 503 logged as such, and the next try when Retry-After says.
        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Contains("status 503 (ServiceUnavailable)", failed.Message, StringComparison.Ordinal);
        Assert.Equal(retryAfter.ToString(), failed.GetStructuredStateValue("Delay"));
        Assert.Equal(1, endpoint.RequestCount);

        endpoint.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(retryAfter);
        host.Time.Advance(retryAfter);
        Assert.Equal(At(20), (await endpoint.NextAsync()).Header("Measurements-Time"));
        var recovered = await host.WaitForLogAsync("Recovered");
        Assert.Equal(host.Time.Start + Seconds(20) + retryAfter, recovered.Timestamp);

        // Two requests in 35 s: the failed one and its retry, nothing from inside an attempt.
        Assert.Equal(2, endpoint.RequestCount);
        Assert.Single(host.Records("ReportFailed"));
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Case_3_under_app_wide_hedging_a_slow_endpoint_receives_each_sample_once(string order)
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var dependency = await HerokuLikeServer.StartAsync();
        var app = new ModernApp();
        await using var host = Host(endpoint, order, services =>
        {
            app.AddAspireDefaults(services, hedging: true);
            ModernApp.AddDependencyClient(services);
        });
        var gate = endpoint.HoldResponses();

        await host.StartAndSendFirstReportAsync();
        Assert.Equal(At(20), (await endpoint.NextAsync()).Header("Measurements-Time"));

        // Past the standard hedging delay (2 s) while the answer is slow. In two steps, so a hedging timer made just
        // after the first request left still falls due.
        host.Time.Advance(Seconds(1));
        host.Time.Advance(Seconds(2));

        // The app goes on with its own work (a call over loopback) before the slow answer comes: a hedged copy, if any,
        // leaves meanwhile, as it does in an app whose endpoint answers slowly.
        using (var client = DependencyClient(host))
        {
            using var response = await client.GetAsync(new Uri(dependency.Url("/orders")));
        }

        gate.SetResult();
        _ = await host.WaitForLogAsync("ReportDelivered");

        // One more report, so anything sent before it has arrived.
        endpoint.RespondWithStatus(HttpStatusCode.OK);
        host.Time.Advance(Seconds(17));
        _ = await host.WaitForLogAsync("ReportDelivered", 2);

        lock (endpoint.Requests)
        {
            Assert.Equal([At(20), At(40)], endpoint.Requests.Select(r => r.Header("Measurements-Time")));
        }
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Case_7_an_app_wide_primary_handler_carries_the_reports_and_is_hardened(string order)
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var elsewhere = await HerokuLikeServer.StartAsync();
        var connections = 0;

        // The app's transport for every client (a proxy, a certificate trust: here a connect callback), with redirects on.
        await using var host = Host(endpoint, order, services => services.ConfigureHttpClientDefaults(http =>
            http.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = true,
                ConnectCallback = async (context, token) =>
                {
                    _ = Interlocked.Increment(ref connections);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            })));

        _ = await host.StartAndDeliverFirstReportAsync(endpoint);
        Assert.True(Volatile.Read(ref connections) > 0);

        endpoint.RespondWithRedirect(elsewhere.Url("/collect"));
        host.Time.Advance(MetricsHost.DefaultInterval);
        var failed = await host.WaitForLogAsync("ReportFailed");

        Assert.Contains("status 307", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, elsewhere.RequestCount);
        Assert.Empty(host.Records("PrimaryHandlerReplaced"));
    }

    [Fact]
    public async Task Case_7_an_app_wide_step_that_configures_the_default_primary_handler_applies_to_reports()
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        var connections = 0;
        await using var host = Host(endpoint, "defaults first", services => services.ConfigureHttpClientDefaults(http =>
            http.ConfigurePrimaryHttpMessageHandler((handler, provider) =>
                // A trust callback or a proxy set on whatever primary handler the client has: here a connect callback.
                ((SocketsHttpHandler)handler).ConnectCallback = async (context, token) =>
                {
                    _ = Interlocked.Increment(ref connections);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                })));

        _ = await host.StartAndDeliverFirstReportAsync(endpoint);

        Assert.True(Volatile.Read(ref connections) > 0);
    }

    [Fact]
    public async Task Case_7_a_shared_primary_handler_that_has_sent_requests_is_replaced_and_that_is_logged()
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var elsewhere = await HerokuLikeServer.StartAsync();

        // One instance for every client, already used by the app: its settings can no longer be changed.
        using var shared = new SocketsHttpHandler { AllowAutoRedirect = true };
        using (var app = new HttpClient(shared, disposeHandler: false))
        {
            using var warmUp = await app.GetAsync(new Uri(elsewhere.Url("/warm-up")));
        }

        await using var host = Host(endpoint, "defaults first", services => services.ConfigureHttpClientDefaults(http =>
            http.ConfigurePrimaryHttpMessageHandler(() => shared)));
        endpoint.RespondWithRedirect(elsewhere.Url("/collect"));

        await host.StartAndSendFirstReportAsync();
        var failed = await host.WaitForLogAsync("ReportFailed");

        Assert.Contains("status 307", failed.Message, StringComparison.Ordinal);
        Assert.Equal(1, elsewhere.RequestCount);
        Assert.Single(host.Records("PrimaryHandlerReplaced"));
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task App_wide_HttpClient_settings_are_for_the_apps_services_and_never_reach_the_endpoint(string order)
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var dependency = await HerokuLikeServer.StartAsync();

        // A key the app sends to its own services, set for every client.
        await using var host = Host(endpoint, order, services =>
        {
            _ = services.ConfigureHttpClientDefaults(http => http.ConfigureHttpClient(c => c.DefaultRequestHeaders.Add("X-Api-Key", "app-key-1")));
            ModernApp.AddDependencyClient(services);
        });

        var report = await host.StartAndDeliverFirstReportAsync(endpoint);
        using (var client = DependencyClient(host))
        {
            using var response = await client.GetAsync(new Uri(dependency.Url("/orders")));
        }

        Assert.Null(report.Header("X-Api-Key"));
        Assert.Equal("app-key-1", (await dependency.NextAsync()).Header("X-Api-Key"));
    }

    [Fact]
    public void A_resilience_handler_added_on_the_builder_AddHerokuMetrics_returns_is_kept_and_the_app_wide_one_is_not()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        var app = new ModernApp();
        app.AddAspireDefaults(services);
        _ = services.AddHerokuMetrics().AddStandardResilienceHandler();
        using var provider = services.BuildServiceProvider();
        using var clients = LibraryClient.Source(provider);
        _ = clients.Current;

        var handlers = new List<HttpMessageHandler>();
        for (var handler = clients.CurrentChain; handler is DelegatingHandler delegating; handler = delegating.InnerHandler)
        {
            handlers.Add(delegating);
        }

        // One resilience handler, the user's own, and no service discovery.
        Assert.IsType<ResilienceHandler>(Assert.Single(handlers));
    }

    private static async Task CallAsync(HttpClient client, HerokuLikeServer dependency, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(dependency.Url("/orders")), cancellationToken);
        }
        catch (Exception ex) when (ex is BrokenCircuitException or HttpRequestException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            // The app's own call; what it ends with is the app's business.
        }
    }
}
