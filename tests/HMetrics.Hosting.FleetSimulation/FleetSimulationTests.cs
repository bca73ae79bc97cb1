using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace HMetrics.Hosting.FleetSimulation;

public sealed class FleetSimulationTests(FleetFixture fleet, ITestOutputHelper output) : IClassFixture<FleetFixture>
{
    [Fact]
    public void Prints_the_table()
    {
        output.WriteLine(Table(fleet.Results));
        output.WriteLine($"Polly delay sequences: {fleet.DelayGeneration.TotalSeconds:0.0} s; simulation: {fleet.Simulation.TotalSeconds:0.0} s");
    }

    [Fact]
    public void Recommended_default_delivers_at_least_99_percent_of_deliverable_samples_in_every_scenario()
    {
        Assert.All(Recommended(), r => Assert.True(r.DeliveredShare >= 0.99, $"{r.Scenario.Name}: {r.DeliveredShare:P2} delivered"));
    }

    [Fact]
    public void Recommended_default_delivers_more_than_the_old_catch_up_policy_in_every_outage()
    {
        foreach (var r in Recommended().Where(r => r.Scenario.HasOutage))
        {
            var old = fleet.Results.Single(o => o.Scenario == r.Scenario && o.Policy is CatchUpPolicy);
            Assert.True(r.DeliveredShare > old.DeliveredShare, $"{r.Scenario.Name}: {r.DeliveredShare:P2} vs old {old.DeliveredShare:P2}");
        }
    }

    [Fact]
    public void Recommended_default_recovers_within_three_times_the_steady_rate()
    {
        // Not the ≤ 2 goal: the library paces only backfill, so the first regular POST after a drain can follow the last
        // backfill POST at once (three POSTs in one interval). docs/fleet-simulation.md has the numbers and the fix.
        Assert.All(Recommended().Where(r => r.Scenario.HasOutage), r => Assert.True(r.PeakRatio <= 3, $"{r.Scenario.Name}: {r.PeakRatio:0.00}"));
    }

    [Fact(Skip = "Goal not met by the library today (2.45–2.71 at recovery, 1-s bins); see docs/fleet-simulation.md, 'What looks wrong'.")]
    public void Recommended_default_recovers_within_twice_the_steady_rate()
    {
        Assert.All(Recommended().Where(r => r.Scenario.HasOutage), r => Assert.True(r.PeakRatio <= 2, $"{r.Scenario.Name}: {r.PeakRatio:0.00}"));
    }

    [Fact]
    public void Steady_state_wastes_nothing_and_stays_near_the_steady_rate()
    {
        Assert.All(
            fleet.Results.Where(r => r.Scenario == Scenario.Steady),
            r =>
            {
                Assert.Equal(0, r.Wasted);
                Assert.Equal(1, r.DeliveredShare);
                Assert.InRange(r.PeakRatio, 1, 1.2);
            });
    }

    [Fact]
    public void The_old_catch_up_policy_misses_the_99_percent_goal_in_a_10_minute_outage()
    {
        var old = fleet.Results.Single(r => r.Scenario == Scenario.Outage10Min && r.Policy is CatchUpPolicy);

        Assert.True(old.DeliveredShare < 0.99, $"{old.DeliveredShare:P2}");
    }

    [Fact]
    public void Synchronized_starts_stay_synchronized()
    {
        // The sampler's schedule is counted from each dyno's start, so dynos that start in the same second post in the
        // same second every interval for as long as they run; no backoff or pacing is involved.
        var restart = fleet.Results.Single(r => r.Scenario == Scenario.Restart1000 && r.Policy.Name == FleetFixture.NewName(FleetFixture.RecommendedMaxBackoff, jitter: true));

        Assert.InRange(restart.PeakRatio, 2.8, 3.0);
    }

    private IEnumerable<FleetResult> Recommended() =>
        fleet.Results.Where(r => r.Policy.Name == FleetFixture.NewName(FleetFixture.RecommendedMaxBackoff, jitter: true));

    internal static string Table(IEnumerable<FleetResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | policy | peak req/s ÷ steady (at recovery) | peak while down | delivered / deliverable | at-risk delivered | wasted req / dyno / h | most attempts |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario.Name} | {r.Policy.Name} | {r.PeakRatio:0.00} ({r.PeakPerSecond} at {r.PeakAt:0} s) | {(r.Scenario.Down.Length == 0 ? "–" : $"{r.PeakWhileDownRatio:0.00} ({r.PeakWhileDown} at {r.PeakWhileDownAt:0} s)")} | {r.DeliveredShare:P2} | {(r.Scenario.Down.Length == 0 ? "–" : r.AtRiskShare.ToString("P1", CultureInfo.InvariantCulture))} | {r.WastedPerDynoHour:0.0} | {r.MostAttempts} |");
        }

        return text.ToString();
    }
}
