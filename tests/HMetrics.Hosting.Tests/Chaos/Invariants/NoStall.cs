using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// After every step the process becomes quiet within <see cref="ChaosRun.SettleBound"/> of real time: every POST is
/// answered (or held by the test for fake time) and the library goes back to waiting; every started host becomes live.
/// </summary>
internal sealed class NoStall : IRunInvariant
{
    public string Name => "no stall";

    public IEnumerable<string> Check(RunEvidence run) => run.Stalls;
}
