using System.Globalization;

namespace HMetrics.Hosting.Http;

/// <summary>
/// The typed HTTP client that posts one report.
/// </summary>
/// <remarks>
/// Its registration is what <c>AddHerokuMetrics</c> hands back as the <see cref="Microsoft.Extensions.DependencyInjection.IHttpClientBuilder"/>; the reporter
/// sends through the same named handler chain with a <see cref="ReportInvoker"/>, which spares an HttpClient per report.
/// </remarks>
internal sealed class HerokuMetricsClient(HttpClient httpClient)
{
    /// <summary>The name of the client's <see cref="IHttpClientFactory"/> registration.</summary>
    internal const string Name = "HMetrics.Hosting";

    internal const string MeasurementsTimeHeader = "Measurements-Time";
    internal const string MeasurementsCountHeader = "Measurements-Count";

    private const string ContentType = "application/json";

    /// <summary>Posts <paramref name="body"/> and returns the status without reading the response body.</summary>
    public async Task<ReportResponse> PostAsync(
        MetricsEndpoint endpoint,
        ReadOnlyMemory<byte> body,
        int count,
        string userAgent,
        DateTimeOffset measuredAt,
        CancellationToken cancellationToken)
    {
        using var request = CreateRequest(endpoint, body, count, userAgent, measuredAt);

        // Headers only: a misbehaving endpoint could answer with an endless body, and there is nothing in it for us.
        using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return Read(response, endpoint);
    }

    /// <summary>The request of one report, for this client or for the reporter's invoker over the same handler chain.</summary>
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
