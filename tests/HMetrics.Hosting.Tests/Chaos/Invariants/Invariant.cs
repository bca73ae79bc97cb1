namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>The invariants every run is checked against, in the order a report lists them.</summary>
internal static class Invariant
{
    public static readonly IReadOnlyList<IRunInvariant> All =
    [
        new NoUnhandledException(),
        new NoStall(),
        new StopsWithinBound(),
        new NoSampleTwice(),
        new NoSamplePastWindow(),
        new CountsMatchTheProcess(),
        new SamplesAddUp(),
        new NoSecretInOutput(),
    ];
}
