using System.Net;
using System.Net.Http.Headers;

namespace HMetrics.Hosting.Http;

/// <summary>What the endpoint answered; the body is never read.</summary>
internal readonly record struct ReportResponse(HttpStatusCode StatusCode, RetryConditionHeaderValue? RetryAfter)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and <= 299;

    /// <summary>Whether a <c>Retry-After</c> on this status is honoured: 429 and 503 only, as the spec says.</summary>
    public static bool HonoursRetryAfter(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;

    /// <summary>The wait the endpoint asked for, if its status is one whose <c>Retry-After</c> is honoured.</summary>
    public TimeSpan? RetryAfterDelay(DateTimeOffset now)
    {
        if (!HonoursRetryAfter(StatusCode) || RetryAfter is null)
        {
            return null;
        }

        var wait = RetryAfter.Delta ?? (RetryAfter.Date is { } date ? date - now : null);
        return wait > TimeSpan.Zero ? wait : null;
    }
}
