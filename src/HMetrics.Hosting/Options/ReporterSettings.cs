using System.Globalization;
using System.Text;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Step 6 of the options pipeline: the options the reporter runs with — validated, the endpoint parsed, the timeout
/// capped, every derived value computed — made once per options change and never changed after.
/// </summary>
/// <remarks>
/// Everything on the reporting, retry and flush paths reads these, never <see cref="HerokuMetricsOptions"/>, so nothing
/// there can meet an unparsed or invalid value, and no rule about a value lives anywhere else.
/// </remarks>
internal sealed class ReporterSettings
{
    /// <summary>
    /// The longest the shutdown flush may take, whatever the timeout: Heroku sends SIGKILL 30 s after SIGTERM, and the
    /// app's own shutdown (draining requests, other hosted services) needs most of that.
    /// </summary>
    public static readonly TimeSpan MaxFlushTimeout = TimeSpan.FromSeconds(10);

    private ReporterSettings(HerokuMetricsOptions options, MetricsEndpoint endpoint)
    {
        Endpoint = endpoint;
        PostInterval = options.PostInterval;
        HttpTimeoutChosen = options.HttpTimeout is not null;
        ConfiguredHttpTimeout = options.HttpTimeout ?? options.PostInterval;

        // Capped at the interval: a report still unanswered when the next sample is taken has missed its moment.
        HttpTimeout = ConfiguredHttpTimeout < PostInterval ? ConfiguredHttpTimeout : PostInterval;
        InitialBackoff = options.InitialBackoff;
        MaxBackoff = options.MaxBackoff;
        BackoffResetAfter = options.BackoffResetAfter;
        BackoffJitter = options.BackoffJitter;
        UserAgent = options.UserAgent;
        Schema = options.Schema;
        FlushOnShutdown = options.FlushOnShutdown;
    }

    public MetricsEndpoint Endpoint { get; }

    public TimeSpan PostInterval { get; }

    /// <summary>
    /// Gets the exact deadline of one request: <see cref="HerokuMetricsOptions.HttpTimeout"/>, or the post interval when
    /// it is unset, and never more than the post interval.
    /// </summary>
    /// <remarks>
    /// Retries, the drain and the flush always use it. A regular report uses it only when
    /// <see cref="RegularDeadlineIsNextTick"/> is <see langword="false"/>.
    /// </remarks>
    public TimeSpan HttpTimeout { get; }

    /// <summary>
    /// Gets whether a regular report's deadline is simply the next sampling tick (the tick that takes the next sample
    /// ends an attempt still in flight), so the steady path arms no timer per attempt.
    /// </summary>
    /// <remarks>
    /// <see langword="true"/> unless the user set <see cref="HerokuMetricsOptions.HttpTimeout"/> below the post interval:
    /// that timeout stays exact and costs one timer per attempt.
    /// </remarks>
    public bool RegularDeadlineIsNextTick => HttpTimeout >= PostInterval;

    /// <summary>Gets the bound of the whole shutdown flush: <see cref="HttpTimeout"/>, at most <see cref="MaxFlushTimeout"/>.</summary>
    public TimeSpan FlushTimeout => HttpTimeout < MaxFlushTimeout ? HttpTimeout : MaxFlushTimeout;

    /// <summary>Gets the timeout the options ask for: the one the user set, else the post interval.</summary>
    public TimeSpan ConfiguredHttpTimeout { get; }

    /// <summary>Gets whether the user chose the timeout (in configuration or code) rather than leaving it unset.</summary>
    public bool HttpTimeoutChosen { get; }

    /// <summary>Gets whether the timeout the user chose was capped at the post interval.</summary>
    public bool HttpTimeoutClamped => HttpTimeout != ConfiguredHttpTimeout;

    public TimeSpan InitialBackoff { get; }

    public TimeSpan MaxBackoff { get; }

    public TimeSpan BackoffResetAfter { get; }

    public TimeSpan BackoffJitter { get; }

    /// <summary>Gets whether Polly's decorrelated jitter is on: any <see cref="BackoffJitter"/> above zero.</summary>
    public bool UseJitter => BackoffJitter > TimeSpan.Zero;

    public string UserAgent { get; }

    public HerokuMetricsSchema Schema { get; }

    public bool FlushOnShutdown { get; }

    /// <summary>Makes settings from options that passed validation.</summary>
    /// <param name="options">The options.</param>
    /// <param name="previous">The endpoint in force, kept when a reload blanks the endpoint.</param>
    /// <param name="settings">The settings, when the endpoint parses.</param>
    /// <returns>Whether the options yield usable settings; never throws.</returns>
    public static bool TryCreate(HerokuMetricsOptions options, MetricsEndpoint? previous, out ReporterSettings? settings)
    {
        settings = null;
        MetricsEndpoint? endpoint;
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            // Activation is decided once, at start: a reload that blanks the endpoint keeps the one in force.
            endpoint = previous;
        }
        else if (previous is not null && string.Equals(options.Endpoint.Trim(), previous.Raw, StringComparison.Ordinal))
        {
            endpoint = previous;
        }
        else
        {
            endpoint = MetricsEndpoint.TryParse(options.Endpoint);
        }

        if (endpoint is null)
        {
            return false;
        }

        settings = new ReporterSettings(options, endpoint);
        return true;
    }

    /// <summary>
    /// Names every setting in force that differs from <paramref name="previous"/>, with both values, for the log:
    /// <c>PostInterval 00:00:20 → 00:00:05, …</c>. The endpoint appears only redacted; durations in the invariant
    /// <c>c</c> format.
    /// </summary>
    /// <returns><see langword="null"/> when nothing in force differs.</returns>
    public string? DescribeChangesFrom(ReporterSettings previous)
    {
        var changes = new StringBuilder();
        if (!string.Equals(previous.Endpoint.Raw, Endpoint.Raw, StringComparison.Ordinal))
        {
            // Two endpoints that differ only in a secret part read the same redacted: the line still says it changed.
            Add(changes, nameof(HerokuMetricsOptions.Endpoint), previous.Endpoint.Redacted, Endpoint.Redacted);
        }

        Add(changes, nameof(HerokuMetricsOptions.PostInterval), previous.PostInterval, PostInterval);
        Add(changes, nameof(HerokuMetricsOptions.HttpTimeout), previous.HttpTimeout, HttpTimeout);
        Add(changes, nameof(HerokuMetricsOptions.InitialBackoff), previous.InitialBackoff, InitialBackoff);
        Add(changes, nameof(HerokuMetricsOptions.MaxBackoff), previous.MaxBackoff, MaxBackoff);
        Add(changes, nameof(HerokuMetricsOptions.BackoffResetAfter), previous.BackoffResetAfter, BackoffResetAfter);
        Add(changes, nameof(HerokuMetricsOptions.BackoffJitter), previous.BackoffJitter, BackoffJitter);
        if (!string.Equals(previous.UserAgent, UserAgent, StringComparison.Ordinal))
        {
            Add(changes, nameof(HerokuMetricsOptions.UserAgent), "'" + previous.UserAgent + "'", "'" + UserAgent + "'");
        }

        if (previous.Schema != Schema)
        {
            Add(changes, nameof(HerokuMetricsOptions.Schema), previous.Schema.ToString(), Schema.ToString());
        }

        if (previous.FlushOnShutdown != FlushOnShutdown)
        {
            Add(changes, nameof(HerokuMetricsOptions.FlushOnShutdown), Text(previous.FlushOnShutdown), Text(FlushOnShutdown));
        }

        return changes.Length == 0 ? null : changes.ToString();

        static string Text(bool value) => value ? "true" : "false";
    }

    private static void Add(StringBuilder changes, string name, TimeSpan before, TimeSpan after)
    {
        if (before != after)
        {
            Add(changes, name, before.ToString("c", CultureInfo.InvariantCulture), after.ToString("c", CultureInfo.InvariantCulture));
        }
    }

    private static void Add(StringBuilder changes, string name, string before, string after)
    {
        if (changes.Length > 0)
        {
            _ = changes.Append(", ");
        }

        _ = changes.Append(name).Append(' ').Append(before).Append(" → ").Append(after);
    }
}
