using HMetrics.Hosting.Tests.Chaos.Generation;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>Everything a run left behind, as plain data for the invariants.</summary>
/// <param name="ClockStart">The wall-clock time the run began at, before any jump.</param>
/// <param name="Baseline">The counters around the calibration's stop: where the ledger stood when the run began.</param>
/// <param name="End">The counters around the run's last stop: where the ledger stood when the run ended, if that stop took a final sample.</param>
/// <param name="Aborts">Timer callbacks that threw: on a real timer thread each would have ended the process.</param>
/// <param name="Stalls">Moments the process did not become quiet: a POST never answered nor held, a host that never became live.</param>
/// <param name="ProcessExceptions">Unhandled and unobserved exceptions the process saw during the run.</param>
/// <param name="Telemetry">Every measurement and activity an app's listeners saw.</param>
/// <param name="Disposed">Each host's service provider after its disposal, held weakly (see <see cref="Invariants.DisposedHostsReleased"/>).</param>
internal sealed record RunEvidence(
    ChaosScenario Scenario,
    IReadOnlyList<HostEvidence> Hosts,
    IReadOnlyList<Receipt> Receipts,
    IReadOnlyList<Attempt> Attempts,
    IReadOnlyList<WallClockSegment> WallClock,
    DateTimeOffset ClockStart,
    CounterBracket Baseline,
    CounterBracket End,
    IReadOnlyList<string> Aborts,
    IReadOnlyList<string> Stalls,
    IReadOnlyList<string> ProcessExceptions,
    IReadOnlyList<string> Telemetry,
    IReadOnlyList<(string Host, WeakReference Services)> Disposed);
