using HMetrics.Hosting;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>The simulator itself: what its seed changes.</summary>
public sealed class FleetSimulatorTests
{
    [Fact]
    public void Another_seed_gives_the_fleet_other_phases_even_in_steady_state()
    {
        // Seeded Random streams seeded s, s + 1, … are affine in s: the phases of the fleet once came out the same for every
        // seed, so "over eleven seeds" measured one steady state eleven times.
        var options = new HerokuMetricsOptions();
        var peaks = new[] { 1, 2, 3 }
            .Select(seed => new FleetSimulator(2_000, options.PostInterval, options.InitialBackoff, options.BackoffResetAfter, seed)
                .Run(Scenario.Steady, new BacklogPolicy("defaults", LibraryPolicy.Settings(options), PollyDelays.Generate(options, 16, 64, seed)))
                .Overall)
            .ToList();

        Assert.True(peaks.Distinct().Count() > 1, $"the busiest second was {peaks[0]} at every seed");
    }

    [Fact]
    public void Streams_of_one_seed_differ_and_repeat()
    {
        var first = FleetSimulator.Stream(7, 0).NextDouble();

        Assert.Equal(first, FleetSimulator.Stream(7, 0).NextDouble());
        Assert.NotEqual(first, FleetSimulator.Stream(7, 1).NextDouble());
        Assert.NotEqual(first, FleetSimulator.Stream(8, 0).NextDouble());
    }
}
