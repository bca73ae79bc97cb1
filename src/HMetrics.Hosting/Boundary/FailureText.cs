namespace HMetrics.Hosting.Boundary;

/// <summary>
/// Turns an exception into text the library may write: its type and message and those of its inner exceptions, or its
/// whole form with stack traces for an unexpected error, scrubbed of the endpoint's secrets and of every URL's user-info.
/// </summary>
/// <remarks>
/// Exceptions are never handed to a logger as objects: a provider would render their raw messages, and .NET quotes URLs
/// (the endpoint, a proxy with credentials) in them. Only scrubbed text leaves the library.
/// </remarks>
internal static class FailureText
{
    /// <summary>Describes <paramref name="exception"/> for a log line.</summary>
    /// <param name="exception">What failed.</param>
    /// <param name="endpoint">The endpoint's secrets, when known.</param>
    /// <param name="withStackTrace">
    /// Whether to include stack traces (an unexpected error, which a maintainer must be able to trace); an expected
    /// failure (a refused connection, a timeout) is one line.
    /// </param>
    public static string Describe(Exception exception, ISecretScrubber? endpoint, bool withStackTrace = false)
    {
        string text;
        if (withStackTrace)
        {
            text = exception.ToString();
        }
        else
        {
            text = exception.GetType().Name + ": " + exception.Message;
            for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
            {
                text += " ---> " + inner.GetType().Name + ": " + inner.Message;
            }
        }

        return Scrub(text, endpoint);
    }

    /// <summary>Scrubs text the library did not write itself (an exception message) before it is logged.</summary>
    public static string Scrub(string text, ISecretScrubber? endpoint) => UrlUserInfo.Remove(endpoint is null ? text : endpoint.Scrub(text));
}
