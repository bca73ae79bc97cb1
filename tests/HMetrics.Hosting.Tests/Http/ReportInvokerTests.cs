using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Http;

public sealed class ReportInvokerTests
{
    private sealed class CountingFactory : IHttpMessageHandlerFactory
    {
        public List<string> Names { get; } = [];

        public HttpMessageHandler CreateHandler(string name)
        {
            Names.Add(name);
            return new CapturingHandler();
        }
    }

    private static (ReportInvoker Invoker, CountingFactory Factory, TestTimeProvider Time) Create(TimeSpan lifetime)
    {
        var services = new ServiceCollection();
        _ = services.AddHttpClient(HerokuMetricsClient.Name).SetHandlerLifetime(lifetime);
        var options = services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>();
        var factory = new CountingFactory();
        var time = new TestTimeProvider();
        return (new ReportInvoker(factory, options, time), factory, time);
    }

    [Fact]
    public void Reports_share_one_invoker_over_the_named_handler_chain_until_the_handler_lifetime_elapses_then_get_a_fresh_chain()
    {
        // Handler rotation is what made per-report typed clients worth their cost: it must survive the shared invoker.
        var (invoker, factory, time) = Create(TimeSpan.FromMinutes(2));

        var first = invoker.Current;
        time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        Assert.Same(first, invoker.Current);
        Assert.Equal([HerokuMetricsClient.Name], factory.Names);

        time.Advance(TimeSpan.FromTicks(1));
        var second = invoker.Current;

        Assert.NotSame(first, second);
        Assert.Equal([HerokuMetricsClient.Name, HerokuMetricsClient.Name], factory.Names);
        Assert.Same(second, invoker.Current);
    }

    [Fact]
    public void An_infinite_handler_lifetime_keeps_one_chain()
    {
        var (invoker, factory, time) = Create(Timeout.InfiniteTimeSpan);

        var first = invoker.Current;
        time.Advance(TimeSpan.FromDays(400));

        Assert.Same(first, invoker.Current);
        Assert.Single(factory.Names);
    }

    [Fact]
    public async Task The_invoker_leaves_the_handlers_to_the_factory_that_owns_them()
    {
        var (invoker, _, time) = Create(TimeSpan.FromMinutes(2));
        var first = invoker.Current;
        time.Advance(TimeSpan.FromMinutes(2));
        _ = invoker.Current;

        // The replaced invoker was not disposed with its handler: a report still in flight on it would otherwise fail.
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:9/metrics");
        using var response = await first.SendAsync(request, CancellationToken.None);
        Assert.True(response.IsSuccessStatusCode);
    }
}
