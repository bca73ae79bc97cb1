using System.Net;

namespace HMetrics.Hosting.Http;

/// <summary>
/// A failed delivery attempt: ends the delivery run so the retry strategy tries again after a backoff delay.
/// </summary>
/// <remarks>Its message never contains the endpoint URL.</remarks>
internal sealed class ReportFailedException : Exception
{
    public ReportFailedException()
    {
    }

    public ReportFailedException(string message)
        : base(message)
    {
    }

    public ReportFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ReportFailedException(string reason, string kind, HttpStatusCode? statusCode, TimeSpan? retryAfter)
        : base(reason)
    {
        Kind = kind;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>
    /// Gets whether the endpoint rejected the sample itself (400: stale or malformed; 413: too large), so re-sending the
    /// same bytes cannot succeed.
    /// </summary>
    public bool RejectsSample => StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge;

    /// <summary>Gets the failure class, free of any URL: http_3xx, http_4xx, http_5xx, http_other, timeout, transport or error.</summary>
    public string Kind { get; } = "error";

    /// <summary>Gets the response status, when the endpoint answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets how long the endpoint asked us to wait (429 and 503 only).</summary>
    public TimeSpan? RetryAfter { get; }
}
