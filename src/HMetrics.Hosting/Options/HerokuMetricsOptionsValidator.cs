using System.Globalization;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Step 4 of the options pipeline: every rule of <see cref="HerokuMetricsOptions"/> — a User-Agent and a known schema,
/// the durations, the endpoint URL, the backoff order and the User-Agent syntax — as failures that name the setting.
/// </summary>
/// <remarks>
/// <para>
/// Not an <see cref="IValidateOptions{TOptions}"/> of the options: a validator that fails inside
/// <see cref="IOptionsMonitor{TOptions}"/> throws out of the configuration reload that triggered it (on a file watcher's
/// thread, a crashed app). <see cref="StartupGate"/> applies these rules when the host starts and
/// <see cref="ReporterSettingsSource"/> to each change after, through <see cref="HerokuMetricsOptionsPipeline.Check"/>.
/// </para>
/// <para>
/// Plain code rather than DataAnnotations attributes with an <c>[OptionsValidator]</c>: validation runs on the host's
/// start-up path, where the attributes' assembly and the header machinery of
/// <see cref="System.Net.Http.HttpRequestMessage"/> cost an app several milliseconds it waits for.
/// </para>
/// </remarks>
internal static class HerokuMetricsOptionsValidator
{
    // The upper bound of every duration: timers and Polly's own validation accept no more than a day.
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    // The floors of the durations. Nothing is shorter than 1 ms. PostInterval and the backoffs are at least 10 ms, so no
    // endpoint, healthy or dead, is ever sent more than 100 attempts a second; the request timeout in force (the smaller
    // of HttpTimeout and PostInterval) is never under 1 ms.
    internal static readonly TimeSpan MinDuration = TimeSpan.FromMilliseconds(1);
    internal static readonly TimeSpan MinPostInterval = TimeSpan.FromMilliseconds(10);
    internal static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(10);

    // The two RFC 9110 whitespace characters the header parser skips between and after items.
    private const char Space = ' ';
    private const char Tab = '\t';

    // The nesting the runtime's header parser accepts in a comment: "(a (b (c)))" and so on, six levels deep.
    private const int MaxCommentDepth = 6;

    /// <summary>Checks <paramref name="options"/>, built as <paramref name="origin"/> describes.</summary>
    /// <returns>Every broken rule at once, each naming its setting and what to write instead.</returns>
    public static ValidateOptionsResult Validate(HerokuMetricsOptions options, OptionsOrigin origin)
    {
        var builder = new ValidateOptionsResultBuilder();

        if (origin.ConfigureFailure is { } failure)
        {
            builder.AddError($"A configure delegate passed to AddHerokuMetrics threw {failure.GetType().Name}.");
        }

        if (string.IsNullOrWhiteSpace(options.UserAgent))
        {
            builder.AddError("HerokuMetrics:UserAgent must not be empty; remove the setting to use the default.");
        }

        // A value bound from text is always a member; code can cast any number to the enum.
        if (options.Schema is not (HerokuMetricsSchema.Go or HerokuMetricsSchema.DotNet or HerokuMetricsSchema.Both))
        {
            builder.AddError("HerokuMetrics:Schema must be Go, DotNet or Both.");
        }

        if (origin.ConfigurationError is { } configurationError)
        {
            builder.AddError(configurationError);
        }

        CheckDuration(builder, nameof(options.PostInterval), options.PostInterval, MinPostInterval, allowZero: false, "00:00:20");

        // Unset, the timeout is the post interval; only a value the user chose can be out of range.
        if (options.HttpTimeout is { } httpTimeout)
        {
            CheckDuration(builder, nameof(options.HttpTimeout), httpTimeout, MinDuration, allowZero: false, "00:00:10");
        }

        CheckDuration(builder, nameof(options.InitialBackoff), options.InitialBackoff, MinBackoff, allowZero: false, "00:00:01");
        CheckDuration(builder, nameof(options.MaxBackoff), options.MaxBackoff, MinBackoff, allowZero: false, "00:00:30");
        CheckDuration(builder, nameof(options.BackoffResetAfter), options.BackoffResetAfter, MinDuration, allowZero: false, "00:05:00");
        CheckDuration(builder, nameof(options.BackoffJitter), options.BackoffJitter, MinDuration, allowZero: true, "00:00:00.500");

        // A disabled reporter never sends, so a leftover bad URL must not stop the app from starting.
        if (options.Enabled && !string.IsNullOrWhiteSpace(options.Endpoint) && MetricsEndpoint.Validate(options.Endpoint) is { } rule)
        {
            builder.AddError(
                $"{origin.EndpointSource} {rule}; got '{UrlRedactor.Redact(options.Endpoint)}'. " +
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
        if (tooSmall || value > MaxDuration)
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
