using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>Sends one report the way the reporter does: through its typed client, with the library's request.</summary>
internal static class LibraryClient
{
    /// <summary>The reporter's source of typed clients over <paramref name="services"/>' registration.</summary>
    public static HerokuMetricsClientSource Source(IServiceProvider services, TimeProvider? time = null, SafeLogger? logger = null) =>
        new(services, services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>(), time ?? TimeProvider.System, logger ?? SafeLogger.None);

    public static async Task<ReportResponse> PostAsync(
        IServiceProvider services, MetricsEndpoint endpoint, ReadOnlyMemory<byte> body, int count, string userAgent, DateTimeOffset measuredAt)
    {
        using var clients = Source(services);
        return await PostAsync(clients.Current, endpoint, body, count, userAgent, measuredAt);
    }

    public static async Task<ReportResponse> PostAsync(
        HerokuMetricsClient client, MetricsEndpoint endpoint, ReadOnlyMemory<byte> body, int count, string userAgent, DateTimeOffset measuredAt)
    {
        using var request = client.CreateRequest(endpoint, body, count, userAgent, measuredAt);
        using var response = await client.SendAsync(request, CancellationToken.None);
        return HerokuMetricsClient.Read(response, endpoint);
    }
}
