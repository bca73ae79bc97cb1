using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>
/// Which calls of a hostile part misbehave: every <see cref="Every"/>th call, from call number <see cref="First"/>
/// (0-based). A pure function of the call's number, so a replay misbehaves on the same calls.
/// </summary>
internal sealed record Cadence(int Every, int First)
{
    public static readonly Cadence Always = new(1, 0);

    public bool Hits(long call) => call >= First && (call - First) % Every == 0;

    public override string ToString() =>
        (Every == 1 ? "every call" : string.Create(CultureInfo.InvariantCulture, $"every {Every}th call")) +
        (First == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" from call {First + 1}"));
}
