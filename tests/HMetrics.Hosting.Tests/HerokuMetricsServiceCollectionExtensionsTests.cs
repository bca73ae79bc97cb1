using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests;

public sealed class HerokuMetricsServiceCollectionExtensionsTests
{
    // What every host provides: configuration and logging.
    private static ServiceCollection NewServices()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        return services;
    }

    private sealed class Marker;

    private static Task<ReportResponse> Post(IServiceProvider services, string url) =>
        LibraryClient.PostAsync(services, MetricsEndpoint.Parse(url), "{}"u8.ToArray(), 0, "test/1.0", DateTimeOffset.UnixEpoch);

    private static int HandlerActions(IServiceProvider services) =>
        services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(HerokuMetricsClient.Name).HttpMessageHandlerBuilderActions.Count;

    // Walks the handler chain the reporter's client sends through down to the primary handler.
    private static HttpMessageHandler PrimaryHandler(IServiceProvider services)
    {
        using var clients = LibraryClient.Source(services);
        _ = clients.Current;
        var handler = clients.CurrentChain!;
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler!;
        }

        return handler;
    }

    [Fact]
    public void Lives_in_the_dependency_injection_namespace()
    {
        Assert.Equal("Microsoft.Extensions.DependencyInjection", typeof(HerokuMetricsServiceCollectionExtensions).Namespace);
    }

    [Fact]
    public void Returns_the_builder_of_the_typed_client_which_the_factory_can_build()
    {
        var services = new ServiceCollection();

        var builder = services.AddHerokuMetrics();
        builder.Services.AddSingleton<Marker>();

        Assert.Contains(services, d => d.ServiceType == typeof(Marker));
        Assert.Equal(HerokuMetricsClient.Name, builder.Name);
        using var provider = services.BuildServiceProvider();

        // Resolved as any typed client is: the factory's named HttpClient, activated by ITypedHttpClientFactory.
        Assert.NotNull(provider.GetRequiredService<HerokuMetricsClient>());
    }

    [Fact]
    public void Rejects_null_arguments()
    {
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddHerokuMetrics());
        Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddHerokuMetrics(null!));
    }

    [Fact]
    public void Calling_it_twice_registers_one_hosted_service_and_one_client_and_applies_both_delegates()
    {
        var services = NewServices();

        var first = services.AddHerokuMetrics(o => o.PostInterval = TimeSpan.FromSeconds(7));
        var second = services.AddHerokuMetrics(o => o.UserAgent = "second/2.0");
        var third = services.AddHerokuMetrics();

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(HerokuMetricsReporter));
        Assert.Equal(first.Name, second.Name);
        Assert.Equal(first.Name, third.Name);
        second.Services.AddSingleton<Marker>();
        Assert.Contains(services, d => d.ServiceType == typeof(Marker));

        using var provider = services.BuildServiceProvider();
        Assert.Single(provider.GetServices<IHostedService>());

        // One client: its handler chain is configured exactly as by a single call.
        using var once = NewServices().AddHerokuMetrics().Services.BuildServiceProvider();
        Assert.Equal(
            HandlerActions(once),
            HandlerActions(provider));
        var options = provider.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(7), options.PostInterval);
        Assert.Equal("second/2.0", options.UserAgent);
    }

    [Fact]
    public async Task A_primary_handler_set_on_the_builder_of_a_second_call_is_used()
    {
        var services = NewServices();
        var capturing = new CapturingHandler();
        _ = services.AddHerokuMetrics();
        _ = services.AddHerokuMetrics().ConfigurePrimaryHttpMessageHandler(() => capturing);

        await using var provider = services.BuildServiceProvider();
        _ = await Post(provider, "https://example.com/m");

        Assert.Single(capturing.Requests);
    }

    [Fact]
    public void The_default_primary_handler_does_not_follow_redirects()
    {
        var services = NewServices();
        _ = services.AddHerokuMetrics();

        using var provider = services.BuildServiceProvider();

        var sockets = Assert.IsType<SocketsHttpHandler>(PrimaryHandler(provider));
        Assert.False(sockets.AllowAutoRedirect);
    }

    [Fact]
    public void A_users_own_primary_handler_has_redirects_turned_off()
    {
        var services = NewServices();
        _ = services.AddHerokuMetrics()
            .ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = true });

        using var provider = services.BuildServiceProvider();

        var handler = Assert.IsType<HttpClientHandler>(PrimaryHandler(provider));
        Assert.False(handler.AllowAutoRedirect);
    }

    [Fact]
    public void Re_enabling_redirects_on_the_default_handler_does_not_stick()
    {
        var services = NewServices();
        _ = services.AddHerokuMetrics()
            .ConfigurePrimaryHttpMessageHandler((handler, _) => ((SocketsHttpHandler)handler).AllowAutoRedirect = true);

        using var provider = services.BuildServiceProvider();

        Assert.False(Assert.IsType<SocketsHttpHandler>(PrimaryHandler(provider)).AllowAutoRedirect);
    }

    [Fact]
    public async Task A_redirect_is_answered_as_a_failure_and_never_followed_even_with_a_users_handler()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWith((ctx, report) =>
        {
            if (report.PathAndQuery.StartsWith("/metrics", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = (int)HttpStatusCode.TemporaryRedirect;
                ctx.Response.Headers.Location = "/elsewhere";
            }

            return Task.CompletedTask;
        });
        var services = NewServices();
        _ = services.AddHerokuMetrics()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = true });
        await using var provider = services.BuildServiceProvider();

        var answer = await Post(provider, server.Url("/metrics/x"));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, answer.StatusCode);
        Assert.False(answer.IsSuccess);
        lock (server.Requests)
        {
            Assert.Equal(["/metrics/x"], server.Requests.Select(r => r.PathAndQuery));
        }
    }

    [Fact]
    public async Task The_factorys_request_logging_is_removed_for_our_client_only()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(
            new Dictionary<string, string?>(),
            services => services.AddHttpClient("control"));
        var url = server.Url("/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f?token=t0k3n");

        _ = await Post(host.Host.Services, url);
        using var control = host.Host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("control");
        using var response = await control.GetAsync(new Uri(server.Url("/control")));

        var records = host.Logs.GetSnapshot();
        Assert.DoesNotContain(records, r => r.Category?.StartsWith("System.Net.Http.HttpClient." + HerokuMetricsClient.Name, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(records, r => r.Message.Contains("t0k3n", StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.Message.Contains("0b9c1f2e", StringComparison.Ordinal));

        // The control client proves the capture would have seen the factory's records.
        Assert.Contains(records, r => r.Category?.StartsWith("System.Net.Http.HttpClient.control", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_logger_added_on_the_builder_is_not_run_for_reports_while_the_same_on_another_client_is()
    {
        var seen = new List<string>();
        var services = NewServices();
        var capturing = new CapturingHandler();
        _ = services.AddHerokuMetrics()
            .ConfigurePrimaryHttpMessageHandler(() => capturing)
            .AddLogger(_ => new RecordingLogger(seen));
        _ = services.AddHttpClient("control")
            .ConfigurePrimaryHttpMessageHandler(() => new CapturingHandler())
            .AddLogger(_ => new RecordingLogger(seen));
        await using var provider = services.BuildServiceProvider();

        _ = await Post(provider, "https://example.com/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f");
        using var control = provider.GetRequiredService<IHttpClientFactory>().CreateClient("control");
        using var response = await control.GetAsync(new Uri("https://example.com/control"));

        // An HTTP client logger sees the request URL: it never runs for the library's client.
        Assert.Single(capturing.Requests);
        Assert.Equal(["https://example.com/control"], seen);
    }

    private sealed class RecordingLogger(List<string> seen) : Microsoft.Extensions.Http.Logging.IHttpClientLogger
    {
        public object? LogRequestStart(HttpRequestMessage request)
        {
            seen.Add(request.RequestUri!.AbsoluteUri);
            return null;
        }

        public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed)
        {
        }

        public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed)
        {
        }
    }
}
