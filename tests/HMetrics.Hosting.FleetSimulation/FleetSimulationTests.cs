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
    public void Library_defaults_deliver_at_least_99_percent_of_deliverable_samples_in_every_scenario()
    {
        Assert.All(Defaults(), r => Assert.True(r.DeliveredShare >= 0.99, $"{r.Scenario.Name}: {r.DeliveredShare:P2} delivered"));
    }

    [Fact]
    public void The_pacing_never_sends_a_sample_older_than_the_backlog_keeps_one()
    {
        // The backlog drops a sample past MaxAge before taking it; the pacer may then wait, but never longer than an
        // interval, so a paced sample is never older when sent than the one before it.
        Assert.All(
            fleet.Results.Where(r => r.Policy is BacklogPolicy),
            r => Assert.True(r.SentPastMaxAge == 0, $"{r.Scenario.Name} / {r.Policy.Name}: {r.SentPastMaxAge} sent past MaxAge"));
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
    public void Library_defaults_recover_within_twice_the_steady_rate_in_every_outage_scenario()
    {
        // The goal. A recovered dyno waits 0.7–1 interval before its second POST, then drains 0.5–0.9 of an interval
        // apart: the recoveries no longer land on top of drains already under way. Against the flapping endpoint the drain
        // is urgent only while samples wait behind the one being sent.
        Assert.All(Defaults().Where(r => r.Scenario.HasOutage), r => Assert.True(r.PeakRatio <= 2, $"{r.Scenario.Name}: {r.PeakRatio:0.00}"));
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
