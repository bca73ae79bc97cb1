using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HMetrics.Hosting.Tests.Http;

/// <summary>The reporter holds one typed client per handler lifetime: never one per report, never one for life.</summary>
public sealed class HerokuMetricsClientSourceTests
{
    /// <summary>A primary handler that answers 200 and records whether it was disposed.</summary>
    private sealed class TrackedHandler : HttpMessageHandler
    {
        public bool Disposed { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    private static (ServiceProvider Services, List<TrackedHandler> Built) Register(TimeSpan lifetime)
    {
        var built = new List<TrackedHandler>();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        _ = services.AddHerokuMetrics()
            .SetHandlerLifetime(lifetime)
            .ConfigurePrimaryHttpMessageHandler(() =>
            {
                var handler = new TrackedHandler();
                built.Add(handler);
                return handler;
            });
        return (services.BuildServiceProvider(), built);
    }

    private static Task<ReportResponse> Post(HerokuMetricsClient client) =>
        LibraryClient.PostAsync(client, MetricsEndpoint.Parse("http://127.0.0.1:9/metrics/x"), "{}"u8.ToArray(), 0, "test/1.0", DateTimeOffset.UnixEpoch);

    [Fact]
    public void One_client_serves_every_report_until_the_handler_lifetime_elapses_then_a_fresh_chain_is_built()
    {
        var (services, built) = Register(TimeSpan.FromMinutes(2));
        using var provider = services;
        var time = new TestTimeProvider();
        using var clients = LibraryClient.Source(services, time);

        var first = clients.Current;
        time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        Assert.Same(first, clients.Current);
        Assert.Single(built);

        time.Advance(TimeSpan.FromTicks(1));
        var second = clients.Current;

        Assert.NotSame(first, second);
        Assert.Equal(2, built.Count);
        Assert.Same(second, clients.Current);
    }

    [Fact]
    public void An_infinite_handler_lifetime_keeps_one_client()
    {
        var (services, built) = Register(Timeout.InfiniteTimeSpan);
        using var provider = services;
        var time = new TestTimeProvider();
        using var clients = LibraryClient.Source(services, time);

        var first = clients.Current;
        time.Advance(TimeSpan.FromDays(400));

        Assert.Same(first, clients.Current);
        Assert.Single(built);
    }

    [Fact]
    public async Task A_replaced_client_still_sends_for_one_more_lifetime_and_is_disposed_at_the_next_replacement()
    {
        var (services, built) = Register(TimeSpan.FromMinutes(2));
        using var provider = services;
        var time = new TestTimeProvider();
        using var clients = LibraryClient.Source(services, time);
        var first = clients.Current;

        time.Advance(TimeSpan.FromMinutes(2));
        _ = clients.Current;

        // A report still in flight on the replaced client completes.
        Assert.True((await Post(first)).IsSuccess);
        Assert.False(built[0].Disposed);

        time.Advance(TimeSpan.FromMinutes(2));
        _ = clients.Current;

        // Its handlers and connections are released, as the factory releases an expired handler.
        Assert.True(built[0].Disposed);
        Assert.False(built[1].Disposed);
        Assert.False(built[2].Disposed);
    }

    [Fact]
    public void Disposing_the_source_releases_every_chain_it_holds()
    {
        var (services, built) = Register(TimeSpan.FromMinutes(2));
        using var provider = services;
        var time = new TestTimeProvider();
        var clients = LibraryClient.Source(services, time);
        _ = clients.Current;
        time.Advance(TimeSpan.FromMinutes(2));
        _ = clients.Current;

        clients.Dispose();

        Assert.All(built, h => Assert.True(h.Disposed));
    }
}
