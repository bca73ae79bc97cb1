using System.Buffers;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// One interval's report: its body, when it was measured and how many metrics it holds. Slots are reused, never freed.
/// </summary>
internal sealed class Sample
{
    // The Both schema's body is about 1.6 KB; one growth at most, once per slot for the life of the process.
    private const int InitialBodyCapacity = 1024;

    public ArrayBufferWriter<byte> Body { get; } = new(InitialBodyCapacity);

    /// <summary>Gets or sets the time sent as <c>Measurements-Time</c>.</summary>
    public DateTimeOffset MeasuredAt { get; set; }

    /// <summary>Gets or sets the number of metrics in the body, sent as <c>Measurements-Count</c>.</summary>
    public int Count { get; set; }
}
