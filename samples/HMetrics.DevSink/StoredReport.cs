namespace HMetrics.DevSink;

/// <summary>One accepted report.</summary>
/// <param name="Sequence">Increases by one with every accepted report, across all dynos; the page asks for what is newer.</param>
/// <param name="ReceivedAt">When the sink received it, on the sink's clock.</param>
/// <param name="MeasuredAt">The <c>Measurements-Time</c> header, or <paramref name="ReceivedAt"/> when absent.</param>
/// <param name="Counters">Per-report deltas.</param>
/// <param name="Gauges">Values at report time.</param>
public sealed record StoredReport(
    long Sequence,
    DateTimeOffset ReceivedAt,
    DateTimeOffset MeasuredAt,
    IReadOnlyDictionary<string, double> Counters,
    IReadOnlyDictionary<string, double> Gauges);
