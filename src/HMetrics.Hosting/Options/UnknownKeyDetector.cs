using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Reports keys under <c>HerokuMetrics</c> that are no setting, naming the nearest one: the binder ignores them, so
/// <c>"PostIntervall": "00:00:02"</c> would otherwise leave the default in force without a word.
/// </summary>
/// <remarks>
/// A Warning, not a validation error: a configuration written for a newer version of the package (with a setting this
/// version does not know) must not stop an app from booting. Runs where the section is bound, so at start and after
/// every reload; each distinct unknown key is logged once per configuration change (options are bound more than once
/// per change, and never at every report). It runs inside the options monitor, so it never throws: the logger is made
/// by <see cref="Guard.CreateLogger"/> and written through <see cref="SafeLogger"/> (a full disk must not fail the
/// host's start or a reload), and a configuration that cannot be listed is simply not checked.
/// </remarks>
internal sealed class UnknownKeyDetector(ILoggerFactory loggerFactory)
{
    // The settings a configuration can bind; HerokuMetricsOptionsTests checks this list against the public properties.
    private static readonly string[] _knownKeys =
    [
        nameof(HerokuMetricsOptions.Endpoint),
        nameof(HerokuMetricsOptions.Enabled),
        nameof(HerokuMetricsOptions.PostInterval),
        nameof(HerokuMetricsOptions.HttpTimeout),
        nameof(HerokuMetricsOptions.InitialBackoff),
        nameof(HerokuMetricsOptions.MaxBackoff),
        nameof(HerokuMetricsOptions.BackoffResetAfter),
        nameof(HerokuMetricsOptions.BackoffJitter),
        nameof(HerokuMetricsOptions.UserAgent),
        nameof(HerokuMetricsOptions.Schema),
        nameof(HerokuMetricsOptions.FlushOnShutdown),
        nameof(HerokuMetricsOptions.ReportOnOneOffDynos),
    ];

    private const int MaxEditDistance = 3;

    internal static IReadOnlyList<string> KnownKeys => _knownKeys;

    private readonly SafeLogger _logger = Guard.CreateLogger(loggerFactory);
    private readonly Lock _lock = new();
    private readonly HashSet<string> _reported = new(StringComparer.OrdinalIgnoreCase);
    private IChangeToken? _generation;

    /// <summary>Logs the unknown keys of <paramref name="section"/> not yet logged for this configuration generation.</summary>
    /// <param name="section">The <c>HerokuMetrics</c> section.</param>
    /// <param name="configuration">The configuration the section belongs to: a new reload token means it changed.</param>
    public void Check(IConfigurationSection section, IConfiguration configuration)
    {
        try
        {
            lock (_lock)
            {
                var generation = configuration.GetReloadToken();
                if (!ReferenceEquals(generation, _generation))
                {
                    _generation = generation;
                    _reported.Clear();
                }

                foreach (var child in section.GetChildren())
                {
                    if (IsKnown(child.Key) || !_reported.Add(child.Key))
                    {
                        continue;
                    }

                    var suggestion = Suggest(child.Key);
                    Log.UnknownSetting(_logger, HerokuMetricsOptions.SectionName + ":" + child.Key, suggestion is null ? string.Empty : $" Did you mean {suggestion}?");
                }
            }
        }
        catch (Exception)
        {
            // Only the app's configuration provider can get here; a warning is not worth a failed start or reload.
        }
    }

    internal static bool IsKnown(string key)
    {
        foreach (var known in _knownKeys)
        {
            if (string.Equals(known, key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The known key nearest to <paramref name="key"/>: within 3 edits, or one containing the other (any case).</summary>
    internal static string? Suggest(string key)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var known in _knownKeys)
        {
            var distance = Distance(key.ToUpperInvariant(), known.ToUpperInvariant());
            if (distance <= MaxEditDistance && distance < bestDistance)
            {
                best = known;
                bestDistance = distance;
            }
        }

        if (best is not null || key.Length < 4)
        {
            return best;
        }

        foreach (var known in _knownKeys)
        {
            if (known.Contains(key, StringComparison.OrdinalIgnoreCase) || key.Contains(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }

    // Levenshtein distance; the keys are short, so the quadratic table costs nothing.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
