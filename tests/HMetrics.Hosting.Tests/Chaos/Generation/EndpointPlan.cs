namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>How the dyno's endpoint behaves over the run; up (200) outside every phase.</summary>
internal sealed record EndpointPlan(IReadOnlyList<EndpointPhase> Phases)
{
    public EndpointBehaviour At(TimeSpan time) =>
        Phases.FirstOrDefault(p => time >= p.From && time < p.To)?.At(time) ?? EndpointBehaviour.Up;

    public override string ToString() =>
        Phases.Count == 0 ? "up throughout" : "up, except " + string.Join("; ", Phases);
}
