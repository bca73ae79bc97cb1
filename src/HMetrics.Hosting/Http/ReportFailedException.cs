using System.Net;

namespace HMetrics.Hosting.Http;

/// <summary>
/// Ends a reporting run so the retry strategy restarts it after a backoff delay.
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

    /// <summary>Gets the failure class, free of any URL: http_3xx, http_4xx, http_5xx, http_other, timeout, transport or error.</summary>
    public string Kind { get; } = "error";

    /// <summary>Gets the response status, when the endpoint answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets how long the endpoint asked us to wait (429 and 503 only).</summary>
    public TimeSpan? RetryAfter { get; }
}
