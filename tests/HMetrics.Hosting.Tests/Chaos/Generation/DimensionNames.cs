namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>The names <c>CHAOS_DISABLE</c> takes, one per <see cref="Dimension"/>.</summary>
internal static class DimensionNames
{
    private static readonly Dictionary<string, Dimension> _byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["loggers"] = Dimension.Loggers,
        ["meter-listener-throws"] = Dimension.MeterListenerThrows,
        ["meter-publish-throws"] = Dimension.MeterPublishThrows,
        ["activity-listener-throws"] = Dimension.ActivityListenerThrows,
        ["handlers"] = Dimension.Handlers,
        ["reloads"] = Dimension.Reloads,
        ["wall-clock"] = Dimension.WallClock,
        ["endpoint"] = Dimension.Endpoint,
        ["proxy"] = Dimension.Proxy,
        ["collections"] = Dimension.Collections,
    };

    public static IEnumerable<string> All => _byName.Keys;

    public static string Name(Dimension dimension) => _byName.First(p => p.Value == dimension).Key;

    /// <summary>Parses a comma-separated list; an unknown name is an error, so a typo never silently disables nothing.</summary>
    public static IReadOnlySet<Dimension> Parse(string? list)
    {
        var set = new HashSet<Dimension>();
        foreach (var name in (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!_byName.TryGetValue(name, out var dimension))
            {
                throw new ArgumentException($"CHAOS_DISABLE names '{name}', which is no dimension; known: {string.Join(", ", All)}.");
            }

            _ = set.Add(dimension);
        }

        return set;
    }
}
