using System.Globalization;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Checks every rule of <see cref="HerokuMetricsOptions"/>: a User-Agent and a known schema, the durations, the endpoint
/// URL, the backoff order and the User-Agent syntax.
/// </summary>
/// <remarks>
/// Plain code rather than DataAnnotations attributes with an <c>[OptionsValidator]</c>: validation runs on the host's
/// start-up path (ValidateOnStart), where the attributes' assembly and the header machinery of
/// <see cref="System.Net.Http.HttpRequestMessage"/> cost an app several milliseconds it waits for.
/// </remarks>
internal sealed class HerokuMetricsOptionsValidator : IValidateOptions<HerokuMetricsOptions>
{
    // The two RFC 9110 whitespace characters the header parser skips between and after items.
    private const char Space = ' ';
    private const char Tab = '\t';

    // The nesting the runtime's header parser accepts in a comment: "(a (b (c)))" and so on, six levels deep.
    private const int MaxCommentDepth = 6;

    public ValidateOptionsResult Validate(string? name, HerokuMetricsOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();

        if (string.IsNullOrWhiteSpace(options.UserAgent))
        {
            builder.AddError("HerokuMetrics:UserAgent must not be empty; remove the setting to use the default.");
        }

        // A value bound from text is always a member; code can cast any number to the enum.
        if (options.Schema is not (HerokuMetricsSchema.Go or HerokuMetricsSchema.DotNet or HerokuMetricsSchema.Both))
        {
            builder.AddError("HerokuMetrics:Schema must be Go, DotNet or Both.");
        }

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

    /// <summary>
    /// Whether <c>HttpHeaders.TryParseAdd</c> accepts <paramref name="value"/> as a User-Agent, and it holds printable
    /// ASCII only.
    /// </summary>
    /// <remarks>
    /// The runtime's grammar, written out so that start-up validation builds no <see cref="System.Net.Http.HttpRequestMessage"/>:
    /// products (<c>token["/"token]</c>) and comments (<c>"(" … ")"</c>, nested, with <c>\</c>-escapes) separated by
    /// whitespace. A test holds it to the runtime's parser.
    /// </remarks>
    internal static bool IsValidUserAgent(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || c > '\u007e')
            {
                return false;
            }
        }

        var i = SkipWhitespace(value, 0);
        if (i == value.Length)
        {
            return false;
        }

        while (i < value.Length)
        {
            if (value[i] == '(')
            {
                var comment = CommentLength(value, i, depth: 1);
                if (comment == 0)
                {
                    return false;
                }

                i = SkipWhitespace(value, i + comment);
            }
            else
            {
                var product = TokenLength(value, i);
                if (product == 0)
                {
                    return false;
                }

                i = SkipWhitespace(value, i + product);
                if (i < value.Length && value[i] == '/')
                {
                    i = SkipWhitespace(value, i + 1);
                    var version = TokenLength(value, i);
                    if (version == 0)
                    {
                        return false;
                    }

                    i = SkipWhitespace(value, i + version);
                }
            }

            // Items are separated by whitespace: "app/1.0(comment)" is not two items.
            if (i < value.Length && value[i - 1] is not (Space or Tab))
            {
                return false;
            }
        }

        return true;
    }

    private static int SkipWhitespace(string value, int i)
    {
        while (i < value.Length && value[i] is Space or Tab)
        {
            i++;
        }

        return i;
    }

    private static int TokenLength(string value, int start)
    {
        var i = start;
        while (i < value.Length && IsTokenChar(value[i]))
        {
            i++;
        }

        return i - start;
    }

    // RFC 9110 tchar.
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    // The length of the comment opening at value[start], or 0 when it is not closed or nests too deep. As in the runtime's
    // parser, a backslash escapes the next character only when a character follows that pair.
    private static int CommentLength(string value, int start, int depth)
    {
        var i = start + 1;
        while (i < value.Length)
        {
            if (value[i] == '\\' && i + 2 < value.Length)
            {
                i += 2;
                continue;
            }

            if (value[i] == '(')
            {
                if (depth >= MaxCommentDepth)
                {
                    return 0;
                }

                var nested = CommentLength(value, i, depth + 1);
                if (nested == 0)
                {
                    return 0;
                }

                i += nested;
                continue;
            }

            if (value[i] == ')')
            {
                return i - start + 1;
            }

            i++;
        }

        return 0;
    }
}
