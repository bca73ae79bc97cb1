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
    public void Library_defaults_deliver_at_least_99_percent_of_deliverable_samples_in_every_scenario_but_flapping()
    {
        Assert.All(
            Defaults().Where(r => r.Scenario != Scenario.Flapping),
            r => Assert.True(r.DeliveredShare >= 0.99, $"{r.Scenario.Name}: {r.DeliveredShare:P2} delivered"));
    }

    [Fact]
    public void Library_defaults_miss_the_99_percent_goal_when_the_endpoint_flaps_30_s_30_s()
    {
        // The 2/3-interval spacing drains at 1.5 times the steady rate while the endpoint is up, and it is up half the
        // time: the backlog cannot keep up and its oldest samples expire. Fails once the library meets the goal again (the
        // spacing of PostInterval / 2 does, see the next test): then fold flapping back into the test above and update
        // docs/fleet-simulation.md.
        var flapping = Defaults().Single(r => r.Scenario == Scenario.Flapping);

        Assert.InRange(flapping.DeliveredShare, 0.96, 0.99 - 1e-9);
    }

    [Fact]
    public void A_spacing_of_half_an_interval_would_deliver_every_sample_when_the_endpoint_flaps()
    {
        var flapping = fleet.Results.Single(r => r.Scenario == Scenario.Flapping && ReferenceEquals(r.Policy, fleet.HalfIntervalSpacing));

        Assert.Equal(1, flapping.DeliveredShare);
    }

    [Fact]
    public void Library_defaults_deliver_more_than_the_old_catch_up_policy_in_every_outage()
    {
        foreach (var r in Defaults().Where(r => r.Scenario.HasOutage))
        {
            var old = fleet.Results.Single(o => o.Scenario == r.Scenario && o.Policy is CatchUpPolicy);
            Assert.True(r.DeliveredShare > old.DeliveredShare, $"{r.Scenario.Name}: {r.DeliveredShare:P2} vs old {old.DeliveredShare:P2}");
        }
    }

    [Fact]
    public void Library_defaults_recover_within_2_4_times_the_steady_rate()
    {
        // Not the goal of 2: the library reaches 2.16 (1-min outage), 2.06 (10-min) and 2.35 (flapping) in 1-s bins.
        // The mean rate of a draining fleet is 1.5 times the steady rate; the peaks above it come from dynos that recover in
        // the same second and then drain in lock-step, 2/3 of an interval apart. docs/fleet-simulation.md has the numbers.
        Assert.All(Defaults().Where(r => r.Scenario.HasOutage), r => Assert.True(r.PeakRatio <= 2.4, $"{r.Scenario.Name}: {r.PeakRatio:0.00}"));
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
        var restart = Defaults().Single(r => r.Scenario == Scenario.Restart1000);

        Assert.InRange(restart.PeakRatio, 2.8, 3.0);
    }

    private IEnumerable<FleetResult> Defaults() =>
        fleet.Results.Where(r => ReferenceEquals(r.Policy, fleet.DefaultPolicy));

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
