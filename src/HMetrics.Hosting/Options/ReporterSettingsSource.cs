using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Step 7 of the options pipeline, the one place options become <see cref="ReporterSettings"/> after start: once at
/// activation, then once per options change.
/// </summary>
/// <remarks>
/// A change is validated and parsed in the monitor's change callback. An invalid one is logged
/// (<c>InvalidOptionsIgnored</c>) and the settings in force stay; a valid one that changes a setting in force is
/// published, logged once with old and new values (<c>SettingsChanged</c>) and raised; one that changes nothing in force
/// is neither. The callback runs on whatever thread reloaded the configuration (a file watcher's), so nothing in it may
/// throw. Readers only read <see cref="Current"/>.
/// </remarks>
internal sealed class ReporterSettingsSource : IDisposable
{
    private readonly IOptionsMonitor<HerokuMetricsOptions> _monitor;
    private readonly HerokuMetricsOptionsPipeline _pipeline;
    private readonly SafeLogger _logger;
    private readonly Lock _lock = new();
    private readonly HerokuMetricsOptions _initialOptions;
    private ReporterSettings _current;
    private IDisposable? _subscription;

    /// <param name="initialOptions">The options <paramref name="initial"/> was made from.</param>
    /// <param name="initial">The settings to start with.</param>
    /// <param name="monitor">The options monitor to follow.</param>
    /// <param name="pipeline">Checks each change.</param>
    /// <param name="logger">For a change applied, ignored or capped.</param>
    public ReporterSettingsSource(
        HerokuMetricsOptions initialOptions,
        ReporterSettings initial,
        IOptionsMonitor<HerokuMetricsOptions> monitor,
        HerokuMetricsOptionsPipeline pipeline,
        SafeLogger logger)
    {
        _initialOptions = initialOptions;
        _current = initial;
        _monitor = monitor;
        _pipeline = pipeline;
        _logger = logger;
    }

    /// <summary>Raised after <see cref="Current"/> changed, on the thread that reloaded the configuration.</summary>
    public event Action<ReporterSettings>? Changed;

    public ReporterSettings Current => Volatile.Read(ref _current);

    /// <summary>Starts following options changes.</summary>
    public void Start()
    {
        LogClamp(_current, previous: null);
        _subscription = Guard.OnChange(_monitor, OnChange, _logger);

        // The host validated and started with earlier options; a change between then and now raised no callback here.
        var latest = _monitor.CurrentValue;
        if (!ReferenceEquals(latest, _initialOptions))
        {
            OnChange(latest, Microsoft.Extensions.Options.Options.DefaultName);
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private void OnChange(HerokuMetricsOptions options, string? name)
    {
        if (name is not null && name != Microsoft.Extensions.Options.Options.DefaultName)
        {
            return;
        }

        try
        {
            Apply(options);
        }
        catch (Exception ex)
        {
            // Only a user's own validator or configure step can get here; the settings in force stay.
            Log.InvalidOptionsIgnored(_logger, ex.GetType().Name + " while applying the new options.");
        }
    }

    private void Apply(HerokuMetricsOptions options)
    {
        ReporterSettings next;
        ReporterSettings previous;
        string? changes;
        lock (_lock)
        {
            previous = _current;
            var result = _pipeline.Check(options);
            if (result.Failed)
            {
                Log.InvalidOptionsIgnored(_logger, result.FailureMessage);
                return;
            }

            // Validation skips the endpoint rule when Enabled is false (a disabled app must still start), but a running
            // reporter posts whatever the endpoint says: an unusable one is refused here whatever Enabled says.
            if (!ReporterSettings.TryCreate(options, previous.Endpoint, out var created))
            {
                Log.InvalidOptionsIgnored(
                    _logger,
                    $"{_pipeline.OriginOf(options).EndpointSource} {MetricsEndpoint.Validate(options.Endpoint ?? string.Empty) ?? "is not a usable URL"}; " +
                    $"got '{UrlRedactor.Redact(options.Endpoint)}'.");
                return;
            }

            next = created!;
            changes = next.DescribeChangesFrom(previous);
            if (changes is not null)
            {
                Volatile.Write(ref _current, next);
            }
        }

        LogClamp(next, previous);
        if (changes is null)
        {
            return;
        }

        Log.SettingsChanged(_logger, changes);
        Changed?.Invoke(next);
    }

    private void LogClamp(ReporterSettings settings, ReporterSettings? previous)
    {
        if (!settings.HttpTimeoutClamped
            || (previous is not null && previous.ConfiguredHttpTimeout == settings.ConfiguredHttpTimeout && previous.PostInterval == settings.PostInterval))
        {
            return;
        }

        // Only a timeout the user chose can be capped: left unset, it is the post interval.
        Log.HttpTimeoutClamped(_logger, settings.ConfiguredHttpTimeout, settings.PostInterval, settings.HttpTimeout);
    }
}
