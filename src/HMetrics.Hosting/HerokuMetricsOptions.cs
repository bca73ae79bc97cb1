namespace HMetrics.Hosting;

/// <summary>
/// Options for the Heroku language-metrics reporter, bound from the <c>HerokuMetrics</c> configuration section.
/// </summary>
/// <remarks>
/// The defaults are those of the Go <c>hmetrics</c> package. Values are read through
/// <see cref="Microsoft.Extensions.Options.IOptionsMonitor{TOptions}"/>, so a configuration reload takes effect at the
/// next report.
/// </remarks>
public sealed class HerokuMetricsOptions
{
    /// <summary>
    /// The configuration section the options are bound from.
    /// </summary>
    public const string SectionName = "HerokuMetrics";

    /// <summary>
    /// The environment variable Heroku sets inside a dyno when the app opted into language metrics.
    /// </summary>
    public const string EndpointEnvironmentVariable = "HEROKU_METRICS_URL";

    internal static readonly TimeSpan DefaultPostInterval = TimeSpan.FromSeconds(20);
    internal static readonly TimeSpan DefaultInitialBackoff = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(20);
    internal static readonly TimeSpan DefaultBackoffResetAfter = TimeSpan.FromMinutes(5);
    internal static readonly TimeSpan DefaultBackoffJitter = TimeSpan.FromMilliseconds(500);
    internal const string DefaultUserAgent = "hmetrics/1.0 (app using HMetrics.Hosting package)";

    /// <summary>
    /// Gets or sets the URL reports are posted to.
    /// </summary>
    /// <value>
    /// When <see langword="null"/> or blank, the value of the <c>HEROKU_METRICS_URL</c> configuration key, else of the
    /// process environment variable of that name. It must be an absolute <c>http</c> or <c>https</c> URL. User-info in
    /// it (<c>https://user:pass@host/</c>) is sent as HTTP Basic authentication. Treat it as a secret: it is redacted
    /// in every log line and exception.
    /// </value>
    public string? Endpoint { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the reporter runs at all.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>. Read once at start.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets the time between two reports.
    /// </summary>
    /// <value>Defaults to 20 seconds, the cadence Heroku's backend is built around. Between 10 ms and 1 day.</value>
    public TimeSpan PostInterval { get; set; } = DefaultPostInterval;

    /// <summary>
    /// Gets or sets the longest a single report may take.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: the post interval (20 seconds at the defaults), like the Go agent's client,
    /// whose timeout is its interval. A regular report's deadline is then the next sample: the timer that takes it ends
    /// a report still in flight, so reporting arms no timer of its own per report. A value below the post interval
    /// stays exact and costs one timer per attempt; a value above it is capped at it, with one Warning
    /// (<c>HttpTimeoutClamped</c>). Retries and the backlog's drain always use the exact value, and the shutdown flush
    /// at most 10 seconds of it. Between 1 ms and 1 day.
    /// </value>
    public TimeSpan? HttpTimeout { get; set; }

    /// <summary>
    /// Gets or sets the first delay after a failed delivery; Polly doubles it with each further failure.
    /// </summary>
    /// <value>Defaults to 1 second. At least 10 ms and no more than <see cref="MaxBackoff"/>.</value>
    public TimeSpan InitialBackoff { get; set; } = DefaultInitialBackoff;

    /// <summary>
    /// Gets or sets the longest delay between two attempts, jitter and <c>Retry-After</c> included.
    /// </summary>
    /// <value>
    /// Defaults to 20 seconds, not the Go package's 10 minutes: a dyno must notice a recovered endpoint while its backlog is
    /// still within the endpoint's four-minute window. Between 10 ms and 1 day.
    /// </value>
    public TimeSpan MaxBackoff { get; set; } = DefaultMaxBackoff;

    /// <summary>
    /// Gets or sets the all-clear window: a reporting run that lasted at least this long before it failed starts the
    /// backoff again from <see cref="InitialBackoff"/>.
    /// </summary>
    /// <value>Defaults to 5 minutes. Between 1 ms and 1 day.</value>
    public TimeSpan BackoffResetAfter { get; set; } = DefaultBackoffResetAfter;

    /// <summary>
    /// Gets or sets whether backoff delays are jittered, so that many dynos do not retry in step.
    /// </summary>
    /// <value>
    /// Defaults to 500 milliseconds, which turns Polly's decorrelated jitter on: each delay is drawn around the exponential
    /// one, never above <see cref="MaxBackoff"/>. Any value above zero means the same; <c>00:00:00</c> turns jitter off
    /// and makes the delays exact. Zero, or between 1 ms and 1 day.
    /// </value>
    public TimeSpan BackoffJitter { get; set; } = DefaultBackoffJitter;

    /// <summary>
    /// Gets or sets the <c>User-Agent</c> header of each report.
    /// </summary>
    /// <value>Defaults to <c>hmetrics/1.0 (app using HMetrics.Hosting package)</c>.</value>
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>
    /// Gets or sets which metric names a report carries.
    /// </summary>
    /// <value>Defaults to <see cref="HerokuMetricsSchema.Go"/>, the set the Heroku Dashboard charts.</value>
    public HerokuMetricsSchema Schema { get; set; } = HerokuMetricsSchema.Go;

    /// <summary>
    /// Gets or sets a value indicating whether one last report is sent when the host stops, so the counts since the
    /// last report are not lost.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="true"/>. The flush is bounded by <see cref="HttpTimeout"/> (the post interval when
    /// unset), at most 10 seconds, so it leaves the app most of the 30 seconds Heroku allows between SIGTERM and
    /// SIGKILL; and by the host's shutdown timeout.
    /// </value>
    public bool FlushOnShutdown { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether the reporter runs on a one-off dyno (<c>DYNO</c> of <c>run.N</c> for
    /// <c>heroku run</c>, <c>release.N</c> for the release phase, <c>scheduler.N</c> for Heroku Scheduler).
    /// </summary>
    /// <value>
    /// Defaults to <see langword="false"/>: like Heroku's own language-metrics agents, the reporter stays idle there and
    /// logs one Information line saying why. Read once at start.
    /// </value>
    public bool ReportOnOneOffDynos { get; set; }
}
