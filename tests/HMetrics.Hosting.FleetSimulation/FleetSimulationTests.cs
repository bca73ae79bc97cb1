using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>
/// The fleet's goals at the library's defaults (issues 22 and 24): an outage never multiplies the endpoint's load, a
/// degraded endpoint costs no counts, and everything deliverable is delivered at its own time.
/// </summary>
public sealed class FleetSimulationTests(FleetFixture fleet, ITestOutputHelper output) : IClassFixture<FleetFixture>
{
    private static readonly Scenario[] Outages = [Scenario.Outage1Min, Scenario.Outage3Min, Scenario.Outage10Min];

    [Fact]
    public void Prints_the_table()
    {
        output.WriteLine(Table(fleet.Results));
        output.WriteLine($"{FleetFixture.Dynos:N0} dynos; Polly delay sequences: {fleet.DelayGeneration.TotalSeconds:0.0} s; simulation: {fleet.Simulation.TotalSeconds:0.0} s");
    }

    [Fact]
    public void While_the_endpoint_fails_the_fleet_sends_at_most_1_2_times_its_steady_rate()
    {
        Assert.All(Defaults().Where(r => Outages.Contains(r.Scenario)), r => Assert.True(r.WhileDownRatio <= 1.2, $"{r.Scenario.Name}: {r.WhileDownRatio:0.00}"));
    }

    [Fact]
    public void After_an_outage_the_busiest_second_is_at_most_1_5_times_the_steady_rate()
    {
        Assert.All(Defaults().Where(r => Outages.Contains(r.Scenario)), r => Assert.True(r.RecoveryRatio <= 1.5, $"{r.Scenario.Name}: {r.RecoveryRatio:0.00}"));
    }

    // Issue 22 asks for 1.8 here; with at most 1.2 while down and 99.5 % delivered that is out of reach (docs/fleet-simulation.md,
    // "Flapping"). These are the bounds the library keeps: every count arrives, most samples at their own time.
    [Fact]
    public void A_flapping_endpoint_costs_some_samples_at_their_own_time_but_no_count_and_stays_under_2_7_times_the_steady_rate()
    {
        var flapping = Defaults().Single(r => r.Scenario == Scenario.Flapping);

        Assert.True(flapping.PeakRatio <= 2.7, $"{flapping.PeakRatio:0.00}");
        Assert.True(flapping.DeliveredShare >= 0.945, $"{flapping.DeliveredShare:P2} of samples at their own time");
        Assert.True(flapping.UnitsShare >= 1 - 1e-9, $"{flapping.UnitsShare:P3} of counter increments");
    }

    [Fact]
    public void Dynos_started_together_spread_their_reports()
    {
        Assert.All(
            Defaults().Where(r => r.Scenario.SynchronizedStarts > 0),
            r => Assert.True(r.PeakRatio <= 1.3, $"{r.Scenario.Name}: {r.PeakRatio:0.00}"));
    }

    [Fact]
    public void Every_deliverable_sample_is_delivered_at_its_own_time_in_every_outage_and_restart()
    {
        Assert.All(
            Defaults().Where(r => !r.Scenario.IsDegraded && r.Scenario != Scenario.Flapping),
            r => Assert.True(r.DeliveredShare >= 0.995, $"{r.Scenario.Name}: {r.DeliveredShare:P2} delivered"));
    }

    [Fact]
    public void An_outage_shorter_than_the_window_costs_no_sample_and_no_count()
    {
        Assert.All(
            Defaults().Where(r => r.Scenario == Scenario.Outage1Min || r.Scenario == Scenario.Outage3Min),
            r =>
            {
                Assert.True(r.DeliveredShare >= 1 - 1e-9, $"{r.Scenario.Name}: {r.DeliveredShare:P3} of samples at their own time");
                Assert.True(r.UnitsShare >= 1 - 1e-9, $"{r.Scenario.Name}: {r.UnitsShare:P3} of counter increments");
            });
    }

    // The documented rule (docs/behaviour.md): a sample that lived through an outage alone is dropped whole, counts and all,
    // so what a long outage costs in counts is what it costs in samples the endpoint could never have taken.
    [Fact]
    public void A_longer_outage_loses_only_the_counts_of_samples_the_endpoint_could_never_take()
    {
        var r = Defaults().Single(r => r.Scenario == Scenario.Outage10Min);

        Assert.True(r.DeliveredShare >= 0.995, $"{r.DeliveredShare:P2} of deliverable samples at their own time");
        Assert.InRange(r.UnitsDelivered, (long)(0.995 * r.Deliverable), r.Deliverable);
        Assert.True(r.UnitsShare < 0.95, $"{r.UnitsShare:P2}: the outage should have cost the counts of samples it outlived");
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void A_degraded_endpoint_failing_up_to_30_percent_costs_no_sample_and_no_count(double share)
    {
        var r = Degraded(share);

        // Counts: 100.00 % in the table. The last few in a million are the 2-minute carry limit's (docs/behaviour.md): a sample
        // that expires after several others were carried into it would put counts more than 2 minutes old in one point.
        Assert.True(r.DeliveredShare >= 0.995, $"{r.DeliveredShare:P2} of samples at their own time");
        Assert.True(r.UnitsShare >= 0.99999, $"{r.UnitsShare:P4} of counter increments: {r.UnitsBorn - r.UnitsDelivered} of {r.UnitsBorn} lost");
        Assert.True(r.RequestsPerInterval <= (1 / (1 - share)) + 0.1, $"{r.RequestsPerInterval:0.00} requests per interval");
    }

    [Fact]
    public void A_degraded_endpoint_failing_half_the_requests_keeps_90_percent_of_samples_and_99_percent_of_counts()
    {
        var r = Degraded(0.5);

        Assert.True(r.DeliveredShare >= 0.90, $"{r.DeliveredShare:P2} of samples at their own time");
        Assert.True(r.UnitsShare >= 0.99, $"{r.UnitsShare:P3} of counter increments");
        Assert.True(r.RequestsPerInterval <= 2.2, $"{r.RequestsPerInterval:0.00} requests per interval");
    }

    [Fact]
    public void A_degraded_endpoint_whose_failures_rise_and_fall_keeps_every_count()
    {
        var r = Defaults().Single(r => r.Scenario == Scenario.DegradedVarying);

        Assert.True(r.DeliveredShare >= 0.97, $"{r.DeliveredShare:P2} of samples at their own time");
        Assert.True(r.UnitsShare >= 0.995, $"{r.UnitsShare:P3} of counter increments");
    }

    [Fact]
    public void The_pacing_never_sends_a_sample_older_than_the_backlog_keeps_one()
    {
        Assert.All(
            fleet.Results.Where(r => r.Policy is BacklogPolicy),
            r => Assert.True(r.SentPastMaxAge == 0, $"{r.Scenario.Name} / {r.Policy.Name}: {r.SentPastMaxAge} sent past MaxAge"));
    }

    [Fact]
    public void Steady_state_wastes_nothing_and_stays_near_the_steady_rate()
    {
        var steady = Defaults().Single(r => r.Scenario == Scenario.Steady);

        Assert.Equal(0, steady.Wasted);
        Assert.Equal(1, steady.DeliveredShare);
        Assert.Equal(1, steady.UnitsShare);
        Assert.InRange(steady.PeakRatio, 1, 1.2);
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

    private FleetResult Degraded(double share) =>
        Defaults().Single(r => r.Scenario.IsDegraded && r.Scenario.FailureShare!(0) == share && r.Scenario != Scenario.DegradedVarying);

    private IEnumerable<FleetResult> Defaults() =>
        fleet.Results.Where(r => ReferenceEquals(r.Policy, fleet.DefaultPolicy));

    internal static string Table(IEnumerable<FleetResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | policy | busiest second ÷ steady | at recovery | while down | delivered at own time | counts delivered | requests / dyno / interval | wasted / dyno / h | most attempts |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            var outage = r.Scenario.HasOutage;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario.Name} | {r.Policy.Name} | {r.PeakRatio:0.00} ({r.Overall.Requests} at {r.Overall.At} s) | {(outage ? $"{r.RecoveryRatio:0.00} ({r.AtRecovery.At} s)" : "–")} | {(outage ? $"{r.WhileDownRatio:0.00} ({r.WhileDown.At} s)" : "–")} | {r.DeliveredShare:P2} | {r.UnitsShare:P2} | {r.RequestsPerInterval:0.00} | {r.WastedPerDynoHour:0.0} | {r.MostAttempts} |");
        }

        return text.ToString();
    }
}
