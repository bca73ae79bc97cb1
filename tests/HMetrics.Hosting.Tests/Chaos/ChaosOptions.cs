using System.Globalization;
using HMetrics.Hosting.Tests.Chaos.Generation;

namespace HMetrics.Hosting.Tests.Chaos;

/// <summary>
/// Which seeds the suite runs, from the environment: <c>CHAOS_SEED=n</c> replays one seed; <c>CHAOS_SEEDS=n</c> runs
/// seeds <c>CHAOS_FIRST_SEED</c> (default 1) onwards; <c>CHAOS_DISABLE=a,b</c> switches dimensions off (see
/// <see cref="DimensionNames"/>). CI runs <see cref="DefaultSeeds"/> seeds from 1.
/// </summary>
internal sealed record ChaosOptions(IReadOnlyList<int> Seeds, IReadOnlySet<Dimension> Disabled, string? DisabledText)
{
    /// <summary>The seeds a CI run takes: about a minute of real time on the 2-core build machine (docs/reliability.md).</summary>
    public const int DefaultSeeds = 300;

    public static ChaosOptions FromEnvironment()
    {
        var disabledText = Environment.GetEnvironmentVariable("CHAOS_DISABLE");
        var disabled = DimensionNames.Parse(disabledText);
        if (Number("CHAOS_SEED") is { } seed)
        {
            return new ChaosOptions([seed], disabled, disabledText);
        }

        var first = Number("CHAOS_FIRST_SEED") ?? 1;
        var count = Number("CHAOS_SEEDS") ?? DefaultSeeds;
        return new ChaosOptions([.. Enumerable.Range(first, count)], disabled, disabledText);
    }

    /// <summary>The exact command that replays <paramref name="seed"/>: the same scenario, the same dimensions switched off.</summary>
    public string ReplayCommand(int seed) =>
        string.Create(CultureInfo.InvariantCulture, $"CHAOS_SEED={seed} ") +
        (string.IsNullOrWhiteSpace(DisabledText) ? string.Empty : $"CHAOS_DISABLE={DisabledText} ") +
        "dotnet test tests/HMetrics.Hosting.Tests --filter Chaos";

    private static int? Number(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : null;
}
