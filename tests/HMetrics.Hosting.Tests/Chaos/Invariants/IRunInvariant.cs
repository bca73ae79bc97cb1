using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>A promise checked after every run: each violation is one readable line.</summary>
internal interface IRunInvariant
{
    string Name { get; }

    IEnumerable<string> Check(RunEvidence run);
}
