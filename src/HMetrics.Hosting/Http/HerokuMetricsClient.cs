using System.Globalization;

namespace HMetrics.Hosting.Http;

/// <summary>
/// The library's typed HTTP client: the wire form of one report, the request it sends and how its answer is read, with
/// everything the app configured on the client's <see cref="HttpClient"/> applied.
/// </summary>
/// <remarks>
/// <c>AddHerokuMetrics</c> registers it with <c>AddHttpClient&lt;HerokuMetricsClient&gt;(Name)</c> and returns that
/// builder. The reporter holds one per handler lifetime, made by <see cref="HerokuMetricsClientSource"/> over a handler
/// chain built from the client's own configuration.
/// <para>
/// The reporter's instance sends through that chain with an <see cref="HttpMessageInvoker"/> and applies the
/// <see cref="HttpClient"/>'s settings itself, as <c>HttpClient.SendAsync</c> would. <c>HttpClient.SendAsync</c> costs an
/// async state machine and a linked cancellation source per request: in the report-cost probe's lean modes
/// (<c>send=client</c> against <c>send=invoker</c>) 400 bytes and a seventh more CPU per report, which would put a
/// report's allocations at 1.3 times the floor's. What applies: <see cref="HttpClient.DefaultRequestHeaders"/> (added
/// where the request has no header of that name, as <see cref="HttpClient"/> does), <see cref="HttpClient.DefaultRequestVersion"/>
/// and <see cref="HttpClient.DefaultVersionPolicy"/> (which <see cref="HttpClient"/> itself applies only to requests it
/// builds), and <see cref="HttpClient.Timeout"/> (see <see cref="EffectiveTimeout"/>). <see cref="HttpClient.BaseAddress"/>
/// has no effect, the endpoint being an absolute URL; nor has <see cref="HttpClient.MaxResponseContentBufferSize"/>, the
/// response body never being read.
/// </para>
/// </remarks>
internal sealed class HerokuMetricsClient
{
    /// <summary>The name of the client's <see cref="IHttpClientFactory"/> registration.</summary>
    internal const string Name = "HMetrics.Hosting";

    internal const string MeasurementsTimeHeader = "Measurements-Time";
    internal const string MeasurementsCountHeader = "Measurements-Count";

    private const string ContentType = "application/json";

    private readonly HttpClient _httpClient;
    private readonly HttpMessageInvoker? _chain;
    private readonly KeyValuePair<string, string[]>[] _defaultHeaders;
    private readonly Version _version;
    private readonly HttpVersionPolicy _versionPolicy;

    /// <summary>The typed client as the factory makes it: requests go through <paramref name="httpClient"/>.</summary>
    public HerokuMetricsClient(HttpClient httpClient)
        : this(httpClient, chain: null)
    {
    }

    /// <summary>The reporter's client: the settings of <paramref name="httpClient"/>, the bytes through <paramref name="chain"/>.</summary>
    /// <param name="httpClient">The client the app's <c>ConfigureHttpClient</c> steps configured.</param>
    /// <param name="chain">The handler chain <paramref name="httpClient"/> was made over, or <see langword="null"/> to send through <paramref name="httpClient"/>.</param>
    internal HerokuMetricsClient(HttpClient httpClient, HttpMessageHandler? chain)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _httpClient = httpClient;
        _version = httpClient.DefaultRequestVersion;
        _versionPolicy = httpClient.DefaultVersionPolicy;
        Timeout = httpClient.Timeout;
        if (chain is null)
        {
            _defaultHeaders = [];
            return;
        }

        // The configuration steps ran before this constructor and nothing else can reach this client: read once.
        _chain = new HttpMessageInvoker(chain, disposeHandler: false);
        var defaults = new List<KeyValuePair<string, string[]>>();
        foreach (var header in httpClient.DefaultRequestHeaders.NonValidated)
        {
            defaults.Add(new(header.Key, [.. header.Value]));
        }

        _defaultHeaders = [.. defaults];
    }

    /// <summary>Gets the client's <see cref="HttpClient.Timeout"/>: infinite unless the app set one on the builder.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The deadline of one attempt: the library's, or the client's if that is shorter.</summary>
    /// <param name="libraryTimeout">The library's exact deadline, or <see langword="null"/> when the next sampling tick ends the attempt.</param>
    /// <remarks>
    /// The reporter enforces it on the library's clock with the attempt's own cancellation source, so a timeout set with
    /// <c>ConfigureHttpClient</c> fails the attempt as a timeout (<c>no response within …</c>) and arms no second timer.
    /// </remarks>
    public TimeSpan? EffectiveTimeout(TimeSpan? libraryTimeout) =>
        Timeout > TimeSpan.Zero && (libraryTimeout is not { } library || Timeout < library) ? Timeout : libraryTimeout;

    /// <summary>The request of one report.</summary>
    public HttpRequestMessage CreateRequest(
        MetricsEndpoint endpoint,
        ReadOnlyMemory<byte> body,
        int count,
        string userAgent,
        DateTimeOffset measuredAt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.RequestUri)
        {
            Content = new ReadOnlyMemoryContent(body),
            Version = _version,
            VersionPolicy = _versionPolicy,
        };

        // Raw header values are written to the wire as they are: no parsed header objects per report.
        _ = request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        _ = request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        request.Headers.Authorization = endpoint.Authorization;
        _ = request.Headers.TryAddWithoutValidation(
            MeasurementsTimeHeader,
            measuredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        _ = request.Headers.TryAddWithoutValidation(MeasurementsCountHeader, count.ToString(CultureInfo.InvariantCulture));

        // As HttpClient adds them: after the request's own, never replacing one (the library's headers win).
        foreach (var (name, values) in _defaultHeaders)
        {
            if (!request.Headers.NonValidated.Contains(name))
            {
                _ = request.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return request;
    }

    /// <summary>Sends a request made by <see cref="CreateRequest"/>; returns at the response headers, never reads the body.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _chain is { } chain
            ? chain.SendAsync(request, cancellationToken)
            : _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>What the endpoint answered; throws when the answer is not the endpoint's own.</summary>
    public static ReportResponse Read(HttpResponseMessage response, MetricsEndpoint endpoint)
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
