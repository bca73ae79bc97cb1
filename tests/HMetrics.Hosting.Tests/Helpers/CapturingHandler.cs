using System.Net;
using System.Net.Http.Headers;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>One request as it left the client, read while the request was still alive.</summary>
internal sealed record CapturedRequest(
    HttpMethod Method,
    Uri? RequestUri,
    HttpRequestHeaders Headers,
    HttpContentHeaders? ContentHeaders,
    byte[] Body)
{
    /// <summary>The header as it goes on the wire, not re-parsed.</summary>
    public string? Header(string name) =>
        Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;
}

/// <summary>A primary handler that records each request and answers with <see cref="Respond"/>; no network at all.</summary>
internal sealed class CapturingHandler : HttpMessageHandler
{
    public List<CapturedRequest> Requests { get; } = [];

    public Func<HttpRequestMessage, HttpResponseMessage> Respond { get; set; } = static _ => new HttpResponseMessage(HttpStatusCode.OK);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add(new CapturedRequest(request.Method, request.RequestUri, request.Headers, request.Content?.Headers, body));
        }

        return Respond(request);
    }
}
