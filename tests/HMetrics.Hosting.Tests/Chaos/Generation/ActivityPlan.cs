namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>An app's ActivityListener (on every source but the test server's) that throws from one callback.</summary>
internal sealed record ActivityPlan(ActivityCallback Throws, Cadence Cadence)
{
    public override string ToString() => $"{Throws} throws on {Cadence}";
}
