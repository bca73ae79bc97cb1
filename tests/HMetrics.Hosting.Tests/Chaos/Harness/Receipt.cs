using System.Text.Json;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>One request as the dyno's endpoint saw it, and what it answered.</summary>
/// <param name="AttemptId">The attempt it belongs to (<see cref="AttemptObserver.Header"/>).</param>
/// <param name="ArrivedAt">Steady fake time since the run began at arrival.</param>
internal sealed record Receipt(string? AttemptId, string Host, string? MeasurementsTime, byte[] Body, TimeSpan ArrivedAt)
{
    /// <summary>Gets the status answered; 0 while none was (dropped, held, or the client left first).</summary>
    public int Status { get; set; }

    /// <summary>Gets whether the endpoint answered 2xx: it took the sample.</summary>
    public bool Accepted => Status is >= 200 and < 300;

    /// <summary>Gets the body's counters, by name.</summary>
    public IReadOnlyDictionary<string, double> Counters()
    {
        using var json = JsonDocument.Parse(Body);
        return json.RootElement.TryGetProperty("counters", out var counters)
            ? counters.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal)
            : new Dictionary<string, double>();
    }
}
