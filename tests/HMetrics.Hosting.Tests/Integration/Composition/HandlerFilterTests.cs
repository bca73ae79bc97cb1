using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace HMetrics.Hosting.Tests.Integration.Composition;

/// <summary>
/// Issue 25, case 5: an APM tool that wraps every factory client through an <see cref="IHttpMessageHandlerBuilderFilter"/>
/// (Sentry's breadcrumbs carry the full request URL) never sees a report, while it sees the app's own clients.
/// </summary>
public sealed class HandlerFilterTests
{
    private const string LibraryDyno = "7c1e9a2b-4d3f-4a5e-8b6c-0d1e2f3a4b5c";
    private const string ControlDyno = "3f2e1d0c-9b8a-4765-a432-1f0e9d8c7b6a";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Case_5_an_app_wide_handler_filter_never_sees_a_report(bool addsAfterTheClientsOwnSteps)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var filter = new RecordingHandlerFilter(addsAfterTheClientsOwnSteps);
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(server.Url("/metrics/" + LibraryDyno), ("HerokuMetrics:FlushOnShutdown", "false")),
            services =>
            {
                _ = services.AddSingleton<IHttpMessageHandlerBuilderFilter>(filter);
                ModernApp.AddDependencyClient(services);
            });

        _ = await host.StartAndDeliverFirstReportAsync(server);

        // The app's own client, wrapped by the same filter: the control that lets the test fail.
        using var client = host.Host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(ModernApp.Dependency);
        using var response = await client.PostAsync(new Uri(server.Url("/metrics/" + ControlDyno)), new StringContent("{}"));

        Assert.Contains(filter.Seen, s => s.Contains(ControlDyno, StringComparison.Ordinal));
        Assert.DoesNotContain(filter.Seen, s => s.Contains(LibraryDyno, StringComparison.Ordinal));
    }
}
