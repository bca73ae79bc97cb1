namespace HMetrics.Hosting.Tests.Chaos;

/// <summary>
/// The chaos suite runs alone: its count invariant compares what the endpoint accepted with the process's own
/// counters, which any other reporter alive in the process would take a share of.
/// </summary>
[CollectionDefinition(nameof(ChaosCollection), DisableParallelization = true)]
public sealed class ChaosCollection : ICollectionFixture<ChaosFixture>;
