using System.Globalization;

namespace HMetrics.Hosting.Http;

/// <summary>
/// The library's named HTTP client and the wire form of one report: the request it sends and how its answer is read.
/// </summary>
/// <remarks>
/// <c>AddHerokuMetrics</c> registers the client under <see cref="Name"/> and hands back its
/// <see cref="Microsoft.Extensions.DependencyInjection.IHttpClientBuilder"/>; the reporter sends through that handler
/// chain with a <see cref="ReportInvoker"/>, so no <see cref="HttpClient"/> object exists per report.
/// </remarks>
internal static class HerokuMetricsClient
{
    /// <summary>The name of the client's <see cref="IHttpClientFactory"/> registration.</summary>
    internal const string Name = "HMetrics.Hosting";

    internal const string MeasurementsTimeHeader = "Measurements-Time";
    internal const string MeasurementsCountHeader = "Measurements-Count";

    private const string ContentType = "application/json";

    /// <summary>The request of one report.</summary>
    internal static HttpRequestMessage CreateRequest(
        MetricsEndpoint endpoint,
        ReadOnlyMemory<byte> body,
        int count,
        string userAgent,
        DateTimeOffset measuredAt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.RequestUri)
        {
            Content = new ReadOnlyMemoryContent(body),
        };

        // Raw header values are written to the wire as they are: no parsed header objects per report.
        _ = request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        _ = request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        request.Headers.Authorization = endpoint.Authorization;
        _ = request.Headers.TryAddWithoutValidation(
            MeasurementsTimeHeader,
            measuredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        _ = request.Headers.TryAddWithoutValidation(MeasurementsCountHeader, count.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    /// <summary>What the endpoint answered; throws when the answer is not the endpoint's own.</summary>
    internal static ReportResponse Read(HttpResponseMessage response, MetricsEndpoint endpoint)
    {
        // A primary handler of a type the library cannot inspect may have followed a redirect: the answer is then not
        // the endpoint's, and the report must not be counted as delivered.
        if (response.RequestMessage is { RequestUri: { } answered } && answered != endpoint.RequestUri)
        {
            throw new HttpRequestException("the response came from a redirect, which reports never follow");
        }

        // Parsing Retry-After on answers where it does not count would only allocate.
        var retryAfter = ReportResponse.HonoursRetryAfter(response.StatusCode) ? response.Headers.RetryAfter : null;
        return new ReportResponse(response.StatusCode, retryAfter);
    }
}
