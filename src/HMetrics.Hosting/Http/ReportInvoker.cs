using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Http;

/// <summary>
/// The one <see cref="HttpMessageInvoker"/> reports go through, over the handler chain the factory builds for
/// <see cref="HerokuMetricsClient.Name"/>, replaced once the factory's handler lifetime has elapsed.
/// </summary>
/// <remarks>
/// A typed client per report cost an <see cref="HttpClient"/>, its per-request cancellation source and a DI lookup on
/// every attempt. The factory's chain is what the app's <see cref="Microsoft.Extensions.DependencyInjection.IHttpClientBuilder"/> configured (handlers, primary
/// handler, the library's hardening), so sending through it directly keeps that configuration; asking for the chain
/// again after <see cref="HttpClientFactoryOptions.HandlerLifetime"/> keeps honouring the factory's handler rotation (DNS
/// changes) the way a fresh typed client did. The factory owns the handlers: invokers never dispose them.
/// </remarks>
internal sealed class ReportInvoker(
    IHttpMessageHandlerFactory handlers,
    IOptionsMonitor<HttpClientFactoryOptions> factoryOptions,
    TimeProvider timeProvider)
{
    private HttpMessageInvoker? _invoker;
    private long _createdAt;
    private TimeSpan _lifetime;

    /// <summary>Gets the invoker for the next attempt; one caller at a time (the delivery loop, then the flush).</summary>
    public HttpMessageInvoker Current
    {
        get
        {
            if (_invoker is { } invoker
                && (_lifetime == Timeout.InfiniteTimeSpan || timeProvider.GetElapsedTime(_createdAt) < _lifetime))
            {
                return invoker;
            }

            // Read per rotation, not per attempt: a changed lifetime applies from the next handler on, as in the factory.
            _lifetime = factoryOptions.Get(HerokuMetricsClient.Name).HandlerLifetime;
            _createdAt = timeProvider.GetTimestamp();
            return _invoker = new HttpMessageInvoker(handlers.CreateHandler(HerokuMetricsClient.Name), disposeHandler: false);
        }
    }
}
