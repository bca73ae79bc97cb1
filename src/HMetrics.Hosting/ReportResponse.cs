using System.Net;
using System.Net.Http.Headers;

namespace HMetrics.Hosting;

/// <summary>What the endpoint answered; the body is never read.</summary>
internal readonly record struct ReportResponse(HttpStatusCode StatusCode, RetryConditionHeaderValue? RetryAfter)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and <= 299;

    /// <summary>The wait the endpoint asked for, honoured only with 429 and 503 as the spec says.</summary>
    public TimeSpan? RetryAfterDelay(DateTimeOffset now)
    {
        if (StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || RetryAfter is null)
        {
            return null;
        }

        var wait = RetryAfter.Delta ?? (RetryAfter.Date is { } date ? date - now : null);
        return wait > TimeSpan.Zero ? wait : null;
    }
}
