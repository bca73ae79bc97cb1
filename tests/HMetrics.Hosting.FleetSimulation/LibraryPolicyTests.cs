using HMetrics.Hosting;
using HMetrics.Hosting.Reporting.Delivery;
using HMetrics.Hosting.Reporting.Sampling;
using Xunit.Abstractions;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>The simulation reads the library's own numbers and Polly's own delays; these pin what it read.</summary>
public sealed class LibraryPolicyTests(ITestOutputHelper output)
{
    [Fact]
    public void The_backlog_keeps_samples_four_minutes_less_a_30_second_margin()
    {
        Assert.Equal(TimeSpan.FromMinutes(4), LibraryPolicy.AcceptanceWindow);
        Assert.Equal(TimeSpan.FromSeconds(210), LibraryPolicy.MaxAge);
        Assert.Equal(12, LibraryPolicy.BacklogCapacity(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void The_pacer_ramps_in_then_drains_calmly_urgently_or_quickly_in_whole_milliseconds()
    {
        var interval = TimeSpan.FromSeconds(20);

        // Jitter off: the middle of each range.
        Assert.Equal(TimeSpan.FromMilliseconds(28_000), DrainPacer.RampInGap(interval));
        Assert.Equal(TimeSpan.FromMilliseconds(17_500), DrainPacer.CalmGap(interval));
        Assert.Equal(TimeSpan.FromMilliseconds(12_000), DrainPacer.UrgentGap(interval));
        Assert.Equal(TimeSpan.FromMilliseconds(2_000), DrainPacer.QuickGap(interval));

        // Jitter on: one sample in [0, 1) per gap, across the range. Drain gaps never exceed an interval, so no sample is
        // older when sent than the one before it; the ramp-in can (up to 2 intervals), and is cut short at the head's expiry.
        Assert.Equal(TimeSpan.FromMilliseconds(16_000), DrainPacer.RampInGap(interval, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(39_998), DrainPacer.RampInGap(interval, 0.99995));
        Assert.Equal(TimeSpan.FromMilliseconds(15_000), DrainPacer.CalmGap(interval, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(19_999), DrainPacer.CalmGap(interval, 0.99995));
        Assert.Equal(TimeSpan.FromMilliseconds(9_000), DrainPacer.UrgentGap(interval, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(14_999), DrainPacer.UrgentGap(interval, 0.99995));
        Assert.Equal(TimeSpan.FromMilliseconds(1_000), DrainPacer.QuickGap(interval, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(2_999), DrainPacer.QuickGap(interval, 0.99995));
        Assert.True(DrainPacer.CalmGap(interval, Math.BitDecrement(1.0)) <= interval);
        Assert.Equal(TimeSpan.FromMilliseconds(6), DrainPacer.UrgentGap(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void The_table_simulates_the_library_defaults()
    {
        var defaults = new HerokuMetricsOptions();

        Assert.Equal(
            "library defaults: MaxBackoff 20 s, jitter on, InitialBackoff 1 s",
            FleetFixture.DefaultsName(defaults));
        Assert.Equal(TimeSpan.FromSeconds(20), defaults.PostInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.BackoffResetAfter);
    }

    [Fact]
    public void Without_jitter_Polly_doubles_from_InitialBackoff_to_the_cap()
    {
        var options = new HerokuMetricsOptions { MaxBackoff = TimeSpan.FromSeconds(30), BackoffJitter = TimeSpan.Zero };

        var delays = PollyDelays.Generate(options, sequences: 10, attempts: 8, seed: 1);

        Assert.Equal(1, delays.Count);
        Assert.Equal([1d, 2, 4, 8, 16, 30, 30, 30], delays.Draw(new Random(0)));
    }

    [Fact]
    public void With_jitter_each_execution_has_its_own_delays_within_the_cap()
    {
        var cap = TimeSpan.FromSeconds(30);
        var options = new HerokuMetricsOptions { MaxBackoff = cap };

        var delays = PollyDelays.Generate(options, sequences: 1_000, attempts: 32, seed: 1);
        var sequences = Enumerable.Range(0, delays.Count).Select(i => delays[i]).ToArray();

        Assert.All(sequences, s => Assert.All(s, d => Assert.InRange(d, 0, cap.TotalSeconds)));
        Assert.True(sequences.Select(s => s[0]).Distinct().Count() > 990, "first delays should differ between executions");

        // Polly clamps its decorrelated jitter at MaxDelay: past the first few attempts most delays are the cap exactly,
        // so jitter spreads dynos while they climb, not once they are at the cap.
        var atCap = sequences.SelectMany(s => s.Skip(8)).Count(d => d == cap.TotalSeconds) / (double)(sequences.Length * 24);
        output.WriteLine($"first delay: median {Median(sequences.Select(s => s[0])):0.00} s; attempts 8+: {atCap:P1} exactly at the cap");
        Assert.True(atCap > 0.5, $"expected most late delays at the cap, got {atCap:P1}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
