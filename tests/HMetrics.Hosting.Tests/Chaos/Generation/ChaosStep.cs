using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>One step of a scenario, at a steady fake time since the run began.</summary>
/// <param name="Host">The slot (0, 1, 2) for Start, Stop and Reload.</param>
/// <param name="Amount">The wall-clock jump.</param>
/// <param name="Settings">The keys a reload sets (a null value removes the key).</param>
/// <param name="Generation">The generation a Collect step collects.</param>
internal sealed record ChaosStep(
    StepKind Kind,
    TimeSpan At,
    int Host = -1,
    TimeSpan Amount = default,
    IReadOnlyList<(string Key, string? Value)>? Settings = null,
    int Generation = 0)
{
    public override string ToString()
    {
        var slot = Host >= 0 ? ((char)('A' + Host)).ToString() : string.Empty;
        return Format(At) + " " + Kind switch
        {
            StepKind.Start => "start " + slot,
            StepKind.Stop => "stop " + slot,
            StepKind.Reload => $"reload {slot}: " + string.Join(", ", Settings!.Select(s => $"{s.Key}={s.Value ?? "(removed)"}")),
            StepKind.JumpWallClock => "wall clock jumps " + (Amount < TimeSpan.Zero ? "back " : "forward ") + Format(Amount.Duration()),
            _ => string.Create(CultureInfo.InvariantCulture, $"GC.Collect({Generation})"),
        };
    }

    /// <summary>A duration as <c>1m05.250s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        var sign = value < TimeSpan.Zero ? "-" : string.Empty;
        value = value.Duration();
        var minutes = (long)value.TotalMinutes;
        var seconds = (value - TimeSpan.FromMinutes(minutes)).TotalSeconds;
        return sign + (minutes > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{minutes}m{seconds:00.###}s")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.###}s"));
    }

    /// <summary>A duration as a configuration value.</summary>
    public static string Setting(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
