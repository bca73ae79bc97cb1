using System.Collections.Concurrent;
using Microsoft.Extensions.Http;

namespace HMetrics.Hosting.Tests.Integration.Composition;

/// <summary>
/// An APM-style <see cref="IHttpMessageHandlerBuilderFilter"/>: adds a handler to every factory client and records what
/// each request shows it (method, URL, headers), as Sentry's filter does for its breadcrumbs.
/// </summary>
internal sealed class RecordingHandlerFilter(bool addAfterTheClientsOwnSteps = false) : IHttpMessageHandlerBuilderFilter
{
    public ConcurrentQueue<string> Seen { get; } = new();

    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        // Sentry's filter adds its handler before the client's own steps run; the factory's logging filter after them.
        if (!addAfterTheClientsOwnSteps)
        {
            builder.AdditionalHandlers.Add(new Recorder(Seen));
        }

        next(builder);
        if (addAfterTheClientsOwnSteps)
        {
            builder.AdditionalHandlers.Insert(0, new Recorder(Seen));
        }
    };

    private sealed class Recorder(ConcurrentQueue<string> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Enqueue($"{request.Method} {request.RequestUri} {request.Headers}");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
