namespace HMetrics.Hosting.Options;

/// <summary>
/// The options the reporter runs with: validated, with the endpoint parsed, made once per options change and never
/// changed after.
/// </summary>
/// <remarks>
/// Everything on the reporting, retry and flush paths reads these, never <see cref="HerokuMetricsOptions"/>, so nothing
/// there can meet an unparsed or invalid value.
/// </remarks>
internal sealed class ReporterSettings
{
    private ReporterSettings(HerokuMetricsOptions options, MetricsEndpoint endpoint)
    {
        Endpoint = endpoint;
        PostInterval = options.PostInterval;
        ConfiguredHttpTimeout = options.HttpTimeout;
        HttpTimeoutChosen = options.HttpTimeoutConfigured || options.HttpTimeout != HerokuMetricsOptions.DefaultHttpTimeout;
        HttpTimeout = options.EffectiveHttpTimeout;
        InitialBackoff = options.InitialBackoff;
        MaxBackoff = options.MaxBackoff;
        BackoffResetAfter = options.BackoffResetAfter;
        UseJitter = options.BackoffJitter > TimeSpan.Zero;
        UserAgent = options.UserAgent;
        Schema = options.Schema;
        FlushOnShutdown = options.FlushOnShutdown;
    }

    public MetricsEndpoint Endpoint { get; }

    public TimeSpan PostInterval { get; }

    /// <summary>Gets the timeout of one request: the configured one, clamped so a report ends before the next is due.</summary>
    public TimeSpan HttpTimeout { get; }

    public TimeSpan ConfiguredHttpTimeout { get; }

    /// <summary>Gets whether the user chose the timeout (in configuration or code) rather than leaving the default.</summary>
    public bool HttpTimeoutChosen { get; }

    /// <summary>Gets whether the configured timeout was clamped.</summary>
    public bool HttpTimeoutClamped => HttpTimeout != ConfiguredHttpTimeout;

    public TimeSpan InitialBackoff { get; }

    public TimeSpan MaxBackoff { get; }

    public TimeSpan BackoffResetAfter { get; }

    public bool UseJitter { get; }

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
}
