using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting;

/// <summary>
/// Every line the library logs. Event ids are part of the contract: users filter and alert on them.
/// </summary>
/// <remarks>
/// No message takes the raw endpoint; callers pass <see cref="MetricsEndpoint.Redacted"/>. Every method takes a
/// <see cref="SafeLogger"/>, so nothing can log through a logger that may throw. Times are passed as text in ISO 8601 UTC
/// (<see cref="Time"/>), whatever the machine's culture.
/// </remarks>
internal static partial class Log
{
    /// <summary>The single logging category of the library.</summary>
    internal const string Category = "HMetrics.Hosting";

    /// <summary>A time as log lines and <c>Measurements-Time</c> write it: ISO 8601, UTC, milliseconds.</summary>
    internal static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(1, LogLevel.Information, "Heroku metrics are not starting: {Variable} was not found. Enable language metrics on the app (labs flag runtime-heroku-metrics) to have Heroku set it.", EventName = "EndpointNotFound")]
    public static partial void EndpointNotFound(SafeLogger logger, string variable);

    [LoggerMessage(2, LogLevel.Information, "Heroku metrics are not starting: {Variable} is empty.", EventName = "EndpointEmpty")]
    public static partial void EndpointEmpty(SafeLogger logger, string variable);

    [LoggerMessage(3, LogLevel.Information, "Heroku metrics are not starting: HerokuMetrics:Enabled is false.", EventName = "Disabled")]
    public static partial void Disabled(SafeLogger logger);

    [LoggerMessage(4, LogLevel.Information, "Heroku metrics started: posting to {Endpoint} every {PostInterval} with the {Schema} schema.", EventName = "Started")]
    public static partial void Started(SafeLogger logger, string endpoint, TimeSpan postInterval, HerokuMetricsSchema schema);

    // Only a timeout the user set can be capped (unset, it is the post interval), so the line is always worth a Warning.
    [LoggerMessage(5, LogLevel.Warning, "HerokuMetrics:HttpTimeout {HttpTimeout} would let a report outlast the post interval {PostInterval}; using {EffectiveTimeout} instead.", EventName = "HttpTimeoutClamped")]
    public static partial void HttpTimeoutClamped(SafeLogger logger, TimeSpan httpTimeout, TimeSpan postInterval, TimeSpan effectiveTimeout);

    // Warning for the first failures and whenever the reason changes; Debug for a repeat inside a summary period.
    [LoggerMessage(EventId = 6, Message = "Heroku metrics report to {Endpoint} failed: {Reason}. Attempt {Attempt}; next try in {Delay}.", EventName = "ReportFailed")]
    public static partial void ReportFailed(SafeLogger logger, LogLevel level, string endpoint, string reason, int attempt, TimeSpan delay);

    [LoggerMessage(7, LogLevel.Information, "Heroku metrics delivery to {Endpoint} recovered after {Attempts} failed attempts; delivery was interrupted for {Interruption}.", EventName = "Recovered")]
    public static partial void Recovered(SafeLogger logger, string endpoint, int attempts, TimeSpan interruption);

    [LoggerMessage(8, LogLevel.Debug, "Heroku metrics report of {Count} metrics delivered to {Endpoint} with status {StatusCode}.", EventName = "ReportDelivered")]
    public static partial void ReportDelivered(SafeLogger logger, int count, string endpoint, int statusCode);

    [LoggerMessage(9, LogLevel.Warning, "Heroku metrics could not deliver every sample to {Endpoint} on shutdown: {Reason}. SamplesDropped says which.", EventName = "FlushFailed")]
    public static partial void FlushFailed(SafeLogger logger, string endpoint, string reason);

    [LoggerMessage(10, LogLevel.Debug, "Heroku metrics delivered {Count} samples to {Endpoint} on shutdown.", EventName = "Flushed")]
    public static partial void Flushed(SafeLogger logger, int count, string endpoint);

    // The error is text, scrubbed by FailureText with the stack trace: an exception object would reach providers unscrubbed.
    [LoggerMessage(11, LogLevel.Error, "Heroku metrics met an unexpected error in {Where}: {Error}", EventName = "UnexpectedError")]
    public static partial void UnexpectedError(SafeLogger logger, string where, string error);

    [LoggerMessage(12, LogLevel.Error, "HerokuMetrics options were changed to invalid values; the last valid values stay in force. {Reason}", EventName = "InvalidOptionsIgnored")]
    public static partial void InvalidOptionsIgnored(SafeLogger logger, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Heroku metrics reports to {Endpoint} are still failing: {Reason}. Attempt {Attempt}; {Repeats} identical failures in the last {Period} were logged at Debug only; next try in {Delay}.", EventName = "FailuresContinuing")]
    public static partial void FailuresContinuing(SafeLogger logger, string endpoint, string reason, int attempt, int repeats, TimeSpan period, TimeSpan delay);

    [LoggerMessage(14, LogLevel.Warning, "Heroku metrics dropped {Count} samples measured between {From} and {To}: {Reason}.", EventName = "SamplesDropped")]
    public static partial void SamplesDropped(SafeLogger logger, int count, string from, string to, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Heroku metrics endpoint {Endpoint} rejected the sample measured at {MeasuredAt} with status {StatusCode}; re-sending it cannot succeed, so it is dropped.", EventName = "SampleRejected")]
    public static partial void SampleRejected(SafeLogger logger, string endpoint, string measuredAt, int statusCode);

    [LoggerMessage(16, LogLevel.Error, "Heroku metrics could not take the sample due at {DueAt}; that interval is lost and sampling goes on: {Error}", EventName = "SamplingFailed")]
    public static partial void SamplingFailed(SafeLogger logger, string dueAt, string error);

    [LoggerMessage(20, LogLevel.Information, "Heroku metrics are not starting: {Dyno} is a one-off dyno (heroku run, release phase or scheduler), where Heroku's own agents stay idle too. Set HerokuMetrics:ReportOnOneOffDynos to true to report from it.", EventName = "OneOffDyno")]
    public static partial void OneOffDyno(SafeLogger logger, string dyno);

    [LoggerMessage(21, LogLevel.Warning, "{Key} is not a setting of HMetrics.Hosting and is ignored.{Suggestion}", EventName = "UnknownSetting")]
    public static partial void UnknownSetting(SafeLogger logger, string key, string suggestion);

    [LoggerMessage(30, LogLevel.Warning, "The primary HTTP handler configured for the Heroku metrics client has sent requests already (one instance shared with other clients), so its redirects cannot be turned off; reports use a handler of the library's own instead.", EventName = "PrimaryHandlerReplaced")]
    public static partial void PrimaryHandlerReplaced(SafeLogger logger);

    // Changes holds "Name old → new" pairs in the invariant culture, the endpoint redacted (ReporterSettings.DescribeChangesFrom).
    [LoggerMessage(22, LogLevel.Information, "Heroku metrics settings changed by a configuration reload: {Changes}.", EventName = "SettingsChanged")]
    public static partial void SettingsChanged(SafeLogger logger, string changes);
}
