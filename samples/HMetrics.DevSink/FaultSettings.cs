using System.Globalization;

namespace HMetrics.DevSink;

/// <summary>
/// What the sink does to reports on purpose, so the reporter's backoff can be tried. All off by default.
/// </summary>
/// <param name="Status">When set, the status answered instead of processing the report (e.g. 500, 503, 429, 400, 302).</param>
/// <param name="FailPercent">The share of reports that get <paramref name="Status"/>, 0 to 100; the others are processed normally.</param>
/// <param name="RetryAfterSeconds">When set, a <c>Retry-After</c> header with this many seconds on every injected failure.</param>
/// <param name="DelayMs">Milliseconds to wait before answering any report, failed or not.</param>
public sealed record FaultSettings(int? Status = null, double FailPercent = 100, int? RetryAfterSeconds = null, int DelayMs = 0)
{
    /// <summary>Nothing injected.</summary>
    public static FaultSettings None { get; } = new();

    /// <summary>The settings in words, for the log.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Status is { } status)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"status {status} for {FailPercent}% of reports"));
        }

        if (RetryAfterSeconds is { } retryAfter)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"Retry-After {retryAfter} s"));
        }

        if (DelayMs > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"delay {DelayMs} ms"));
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>Says what is wrong with the settings, in one line, or <see langword="null"/>.</summary>
    public string? Validate()
    {
        if (Status is { } status && (status < 100 || status > 599))
        {
            return "status must be an HTTP status code between 100 and 599, or null for none.";
        }

        if (!double.IsFinite(FailPercent) || FailPercent < 0 || FailPercent > 100)
        {
            return "failPercent must be between 0 and 100.";
        }

        if (RetryAfterSeconds is < 0 or > 86_400)
        {
            return "retryAfterSeconds must be between 0 and 86400, or null for none.";
        }

        return DelayMs is < 0 or > 600_000 ? "delayMs must be between 0 and 600000." : null;
    }
}
