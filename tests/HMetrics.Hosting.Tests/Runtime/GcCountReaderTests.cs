using HMetrics.Hosting.Tests.Helpers;
namespace HMetrics.Hosting.Tests.Runtime;

/// <summary>
/// Issue 9, observation 8: per-generation GC counts are differences of separate reads. A scripted process in which GCs
/// of any generation land between any two reads checks that no sample is negative and the generations add up.
/// </summary>
public sealed class GcCountReaderTests
{
    private static readonly string[] Generations = ["dotnet.gc.collections.gen0", "dotnet.gc.collections.gen1", "dotnet.gc.collections.gen2"];

    /// <summary>A process whose GCs happen between reads: each read may first run a GC of a random generation.</summary>
    private sealed class StormyProcess(int seed, double gcChance)
    {
        private readonly Random _random = new(seed);
        private readonly int[] _counts = new int[3];

        public double GcChance { get; set; } = gcChance;

        public int[] Counts => _counts;

        public int Read(int generation)
        {
            if (_random.NextDouble() < GcChance)
            {
                // A GC of generation g counts for g and every generation below it.
                var g = _random.Next(3);
                for (var i = 0; i <= g; i++)
                {
                    _counts[i]++;
                }
            }

            return _counts[generation];
        }
    }

    [Theory]
    [InlineData(1, 0.3)]
    [InlineData(2, 0.6)]
    [InlineData(3, 0.95)]
    [InlineData(4, 1.0)]
    public void No_sample_is_negative_the_generations_add_up_and_the_account_settles(int seed, double gcChance)
    {
        var process = new StormyProcess(seed, gcChance);
        using var probe = new SampleProbe(new ProcessCounterLedger(), process.Read);
        var delivered = new double[4];

        for (var sample = 0; sample < 500; sample++)
        {
            if (sample == 499)
            {
                // A calm moment: the last sample is exact.
                process.GcChance = 0;
            }

            using var body = probe.Take(HerokuMetricsSchema.Both);
            var total = SampleProbe.Counter(body, "go.gc.collections");
            var generations = Generations.Select(g => SampleProbe.Counter(body, g)).ToArray();

            Assert.All(generations, g => Assert.True(g >= 0, $"sample {sample}: a negative generation count {g}"));
            Assert.True(total >= 0, $"sample {sample}: a negative total {total}");
            Assert.Equal(total, generations.Sum());
            delivered[0] += total;
            for (var g = 0; g < 3; g++)
            {
                delivered[g + 1] += generations[g];
            }
        }

        var counts = process.Counts;
        Assert.Equal(counts[0], delivered[0]);
        Assert.Equal(counts[0] - counts[1], delivered[1]);
        Assert.Equal(counts[1] - counts[2], delivered[2]);
        Assert.Equal(counts[2], delivered[3]);
    }
}
