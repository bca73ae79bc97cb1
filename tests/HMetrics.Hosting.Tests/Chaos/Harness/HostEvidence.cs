using HMetrics.Hosting.Tests.Chaos.Generation;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>What one host of a run left behind: its logs, how its start and stop went, its status and health after the stop.</summary>
/// <param name="Name">The slot and the incarnation: A1, A2 (a rebuild), B1...</param>
/// <param name="Failures">Exceptions that escaped the host's StartAsync, StopAsync or a configuration reload (each would reach the app).</param>
/// <param name="StopDuration">The real time its stop took; null if it was never stopped.</param>
/// <param name="Status">The status after the stop, as <c>ToString</c> of every field; null if not stopped.</param>
/// <param name="DroppedSamples">The status's dropped samples after the stop.</param>
/// <param name="Backlog">The status's backlog after the stop.</param>
/// <param name="Health">The health check's description, data and exception after the stop.</param>
/// <param name="Activated">Whether the reporter reached its sampling schedule.</param>
internal sealed record HostEvidence(
    string Name,
    HostPlan Plan,
    IReadOnlyList<LogLine> Logs,
    IReadOnlyList<string> Failures,
    TimeSpan? StopDuration,
    string? Status,
    long DroppedSamples,
    int Backlog,
    IReadOnlyList<string> Health,
    bool Activated)
{
    public int Count(string eventName) => Logs.Count(l => l.IsLibrary && l.EventName == eventName);
}
