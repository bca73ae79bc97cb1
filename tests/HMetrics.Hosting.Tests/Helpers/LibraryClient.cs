using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>Sends one report the way the reporter does: through the registered handler chain, with the library's request.</summary>
internal static class LibraryClient
{
    public static async Task<ReportResponse> PostAsync(
        IServiceProvider services, MetricsEndpoint endpoint, ReadOnlyMemory<byte> body, int count, string userAgent, DateTimeOffset measuredAt)
    {
        var invoker = new ReportInvoker(
            services.GetRequiredService<IHttpMessageHandlerFactory>(),
            services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>(),
            TimeProvider.System);
        using var request = HerokuMetricsClient.CreateRequest(endpoint, body, count, userAgent, measuredAt);
        using var response = await invoker.Current.SendAsync(request, CancellationToken.None);
        return HerokuMetricsClient.Read(response, endpoint);
    }
}
