using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// The one place options become <see cref="ReporterSettings"/>: once at start, then once per options change.
/// </summary>
/// <remarks>
/// A change is validated and parsed in the monitor's change callback; an invalid one is logged and the settings in
/// force stay. The callback runs on whatever thread reloaded the configuration (a file watcher's), so nothing in it may
/// throw. Readers only read <see cref="Current"/>.
/// </remarks>
internal sealed class ReporterSettingsSource : IDisposable
{
    private readonly IOptionsMonitor<HerokuMetricsOptions> _monitor;
    private readonly HerokuMetricsOptionsReloadGuard _validation;
    private readonly SafeLogger _logger;
    private readonly Lock _lock = new();
    private readonly HerokuMetricsOptions _initialOptions;
    private ReporterSettings _current;
    private IDisposable? _subscription;

    /// <param name="initialOptions">The options <paramref name="initial"/> was made from.</param>
    /// <param name="initial">The settings to start with.</param>
    /// <param name="monitor">The options monitor to follow.</param>
    /// <param name="validation">Checks each change.</param>
    /// <param name="logger">For an invalid change.</param>
    public ReporterSettingsSource(
        HerokuMetricsOptions initialOptions,
        ReporterSettings initial,
        IOptionsMonitor<HerokuMetricsOptions> monitor,
        HerokuMetricsOptionsReloadGuard validation,
        SafeLogger logger)
    {
        _initialOptions = initialOptions;
        _current = initial;
        _monitor = monitor;
        _validation = validation;
        _logger = logger;
    }

    /// <summary>Raised after <see cref="Current"/> changed, on the thread that reloaded the configuration.</summary>
    public event Action<ReporterSettings>? Changed;

    public ReporterSettings Current => Volatile.Read(ref _current);

    /// <summary>Starts following options changes.</summary>
    public void Start()
    {
        LogClamp(_current, previous: null);
        _subscription = _monitor.OnChange(OnChange);

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
        lock (_lock)
        {
            previous = _current;
            var result = _validation.Check(Microsoft.Extensions.Options.Options.DefaultName, options);
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
                    $"{options.EndpointSource} {MetricsEndpoint.Validate(options.Endpoint ?? string.Empty) ?? "is not a usable URL"}; " +
                    $"got '{UrlRedactor.Redact(options.Endpoint)}'.");
                return;
            }

            next = created!;
            Volatile.Write(ref _current, next);
        }

        LogClamp(next, previous);
        Changed?.Invoke(next);
    }

    private void LogClamp(ReporterSettings settings, ReporterSettings? previous)
    {
        if (!settings.HttpTimeoutClamped
            || (previous is not null && previous.ConfiguredHttpTimeout == settings.ConfiguredHttpTimeout && previous.PostInterval == settings.PostInterval))
        {
            return;
        }

        // The default timeout is clamped by design for short intervals; only a timeout the user chose is worth a Warning.
        var level = settings.HttpTimeoutChosen ? LogLevel.Warning : LogLevel.Debug;
        Log.HttpTimeoutClamped(_logger, level, settings.ConfiguredHttpTimeout, settings.PostInterval, settings.HttpTimeout);
    }
}
