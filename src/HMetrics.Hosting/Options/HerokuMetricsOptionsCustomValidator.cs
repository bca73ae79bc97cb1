using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Checks the rules attributes cannot express: the endpoint URL, the backoff order and the User-Agent syntax.
/// </summary>
internal sealed class HerokuMetricsOptionsCustomValidator : IValidateOptions<HerokuMetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, HerokuMetricsOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();

        if (options.BindingError is { } bindingError)
        {
            builder.AddError(
                $"{bindingError} Write durations as a time span such as \"00:00:20\", Enabled and FlushOnShutdown as " +
                "true or false, and Schema as Go, DotNet or Both.");
        }

        CheckDuration(builder, nameof(options.PostInterval), options.PostInterval, HerokuMetricsOptions.MinPostInterval, allowZero: false, "00:00:20");
        CheckDuration(builder, nameof(options.HttpTimeout), options.HttpTimeout, HerokuMetricsOptions.MinDuration, allowZero: false, "00:00:10");
        CheckDuration(builder, nameof(options.InitialBackoff), options.InitialBackoff, HerokuMetricsOptions.MinBackoff, allowZero: false, "00:00:01");
        CheckDuration(builder, nameof(options.MaxBackoff), options.MaxBackoff, HerokuMetricsOptions.MinBackoff, allowZero: false, "00:00:30");
        CheckDuration(builder, nameof(options.BackoffResetAfter), options.BackoffResetAfter, HerokuMetricsOptions.MinDuration, allowZero: false, "00:05:00");
        CheckDuration(builder, nameof(options.BackoffJitter), options.BackoffJitter, HerokuMetricsOptions.MinDuration, allowZero: true, "00:00:00.500");

        // A disabled reporter never sends, so a leftover bad URL must not stop the app from starting.
        if (options.Enabled && !string.IsNullOrWhiteSpace(options.Endpoint) && MetricsEndpoint.Validate(options.Endpoint) is { } rule)
        {
            builder.AddError(
                $"{options.EndpointSource} {rule}; got '{UrlRedactor.Redact(options.Endpoint)}'. " +
                $"Fix or remove {HerokuMetricsOptions.SectionName}:Endpoint and {HerokuMetricsOptions.EndpointEnvironmentVariable}.");
        }

        if (options.InitialBackoff > options.MaxBackoff)
        {
            builder.AddError(
                $"HerokuMetrics:InitialBackoff ({options.InitialBackoff}) must not exceed HerokuMetrics:MaxBackoff ({options.MaxBackoff}); " +
                "lower InitialBackoff or raise MaxBackoff.");
        }

        if (!string.IsNullOrEmpty(options.UserAgent) && !IsValidUserAgent(options.UserAgent))
        {
            builder.AddError(
                "HerokuMetrics:UserAgent must be a valid HTTP User-Agent value such as \"myapp/1.0 (comment)\": " +
                "product tokens and comments, no control characters or line breaks.");
        }

        return builder.Build();
    }

    // Floors, not just "more than zero": a sub-millisecond value passes a naive check and then fails every report (a
    // timeout nothing can meet), throws from the timer (one tick), or hammers a dead endpoint thousands of times a second.
    private static void CheckDuration(ValidateOptionsResultBuilder builder, string option, TimeSpan value, TimeSpan min, bool allowZero, string example)
    {
        var tooSmall = value < min && !(allowZero && value == TimeSpan.Zero);
        if (tooSmall || value > HerokuMetricsOptions.MaxDuration)
        {
            var floor = allowZero
                ? $"zero or at least {Describe(min)}"
                : $"at least {Describe(min)}";
            builder.AddError(
                $"{HerokuMetricsOptions.SectionName}:{option} must be {floor} and at most one day; got {value}. " +
                $"Use a time span such as \"{example}\".");
        }
    }

    private static string Describe(TimeSpan min) =>
        string.Create(CultureInfo.InvariantCulture, $"{min.TotalMilliseconds:0} ms ({min:c})");

    private static bool IsValidUserAgent(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || c > '\u007e')
            {
                return false;
            }
        }

        using var probe = new HttpRequestMessage();
        return probe.Headers.UserAgent.TryParseAdd(value);
    }
}
