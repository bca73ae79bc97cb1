namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>An app's MeterListener on the library's meter, with bugs in its callbacks.</summary>
/// <param name="ThrowOnPublish">Its InstrumentPublished callback throws (that runs inline when the library creates an instrument).</param>
/// <param name="ThrowingInstruments">The instruments whose measurement callback throws (empty: none).</param>
/// <param name="Cadence">Which measurements of those throw.</param>
internal sealed record MeterPlan(bool ThrowOnPublish, IReadOnlyList<string> ThrowingInstruments, Cadence Cadence)
{
    public override string ToString() =>
        (ThrowOnPublish ? "InstrumentPublished throws; " : string.Empty) +
        (ThrowingInstruments.Count == 0
            ? "measurement callbacks fine"
            : $"measurement callback throws on {Cadence} of {string.Join(", ", ThrowingInstruments)}");
}
