namespace HMetrics.DevSink;

/// <summary>
/// Holds the fault settings, switchable at runtime, and decides which reports fail.
/// </summary>
/// <remarks>
/// The share is applied deterministically (an error accumulator, not a coin toss): at 50 % exactly every other report
/// fails, so what the reporter does next is predictable while trying it out, and testable.
/// </remarks>
public sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private FaultSettings _settings = FaultSettings.None;
    private double _accumulated;

    /// <summary>Gets the settings in force.</summary>
    public FaultSettings Current
    {
        get
        {
            lock (_lock)
            {
                return _settings;
            }
        }
    }

    /// <summary>Replaces the settings; the share starts counting afresh.</summary>
    public void Set(FaultSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_lock)
        {
            _settings = settings;
            _accumulated = 0;
        }
    }

    /// <summary>Decides for one report: the settings to apply, and whether this report fails.</summary>
    internal (FaultSettings Settings, bool Fail) Next()
    {
        lock (_lock)
        {
            if (_settings.Status is null || _settings.FailPercent <= 0)
            {
                return (_settings, false);
            }

            _accumulated += _settings.FailPercent / 100;
            if (_accumulated >= 1 - 1e-9)
            {
                _accumulated -= 1;
                return (_settings, true);
            }

            return (_settings, false);
        }
    }
}
