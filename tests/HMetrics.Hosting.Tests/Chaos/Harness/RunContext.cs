using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Hostile;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>What the hosts of one run share: the scenario, the clock, the attempt tracker, held threads, the endpoint and the servers.</summary>
internal sealed record RunContext(
    ChaosScenario Scenario,
    ChaosClock Clock,
    AttemptTracker Tracker,
    ThreadHolds Holds,
    RunEndpoint Endpoint,
    int ServerPort,
    ProxyServer Proxy);
