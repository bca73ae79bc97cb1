using System.Net;
using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Hostile;

/// <summary>
/// An app's DelegatingHandler on the library's client that misbehaves as its plan says on the calls its cadence hits.
/// Its exceptions quote the request as carelessly as an app's might: the URI and the Authorization header.
/// </summary>
/// <remarks>While its host stops, it never holds a request for fake time, which does not pass during a stop.</remarks>
internal sealed class HostileHandler(
    HandlerPlan plan,
    Func<long> nextCall,
    AttemptTracker tracker,
    ChaosClock clock,
    Func<bool> stopping,
    Func<string?, string?> resolveRetryAfter) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!plan.Cadence.Hits(nextCall()))
        {
            return base.SendAsync(request, cancellationToken);
        }

        return plan.Fault switch
        {
            HandlerFault.Throw => throw new InvalidOperationException($"audit failed for {request.RequestUri} ({request.Headers.Authorization})"),
            HandlerFault.Fault => Task.FromException<HttpResponseMessage>(new HttpRequestException($"audit proxy refused {request.RequestUri}")),
            HandlerFault.Hang when !stopping() => HangAsync(request, cancellationToken),
            HandlerFault.Delay when !stopping() => DelayAsync(request, cancellationToken),
            HandlerFault.OddStatus => Task.FromResult(Odd(request)),
            HandlerFault.ThrowAfterResponse => ThrowAfterResponseAsync(request, cancellationToken),
            _ => base.SendAsync(request, cancellationToken),
        };
    }

    private async Task<HttpResponseMessage> HangAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var attempt = AttemptOf(request);
        tracker.Park(attempt);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
        finally
        {
            tracker.Unpark(attempt);
        }
    }

    private async Task<HttpResponseMessage> DelayAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var attempt = AttemptOf(request);
        tracker.Park(attempt);
        try
        {
            await Task.Delay(plan.Delay, clock, cancellationToken);
        }
        finally
        {
            tracker.Unpark(attempt);
        }

        return await base.SendAsync(request, cancellationToken);
    }

    private HttpResponseMessage Odd(HttpRequestMessage request)
    {
        var response = new HttpResponseMessage((HttpStatusCode)plan.Status) { RequestMessage = request };
        if (resolveRetryAfter(plan.RetryAfter) is { } retryAfter)
        {
            _ = response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return response;
    }

    private async Task<HttpResponseMessage> ThrowAfterResponseAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await base.SendAsync(request, cancellationToken);
        throw new IOException($"response audit failed for {request.RequestUri} ({request.Headers.Authorization}): {(int)response.StatusCode}");
    }

    private Attempt? AttemptOf(HttpRequestMessage request) =>
        tracker.Find(request.Headers.NonValidated.TryGetValues(AttemptObserver.Header, out var values) ? values.ToString() : null);
}
