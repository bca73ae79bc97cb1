using System.Diagnostics;
using HMetrics.Hosting;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>Runs every scenario under every policy once, for all the tests of the class.</summary>
public sealed class FleetFixture
{
    public const int Dynos = 10_000;

    /// <summary>Polly executions per jittered policy; a dyno draws one at random for each run.</summary>
    public const int Sequences = 4_096;

    /// <summary>Failures per Polly execution; the simulation fails if a dyno ever needs more.</summary>
    public const int Attempts = 64;

    private const int Seed = 20_261_125;

    /// <summary>The MaxBackoff default docs/fleet-simulation.md recommends.</summary>
    public static readonly TimeSpan RecommendedMaxBackoff = TimeSpan.FromSeconds(30);

    public FleetFixture()
    {
        var defaults = new HerokuMetricsOptions();
        var watch = Stopwatch.StartNew();
        List<DeliveryPolicy> policies = [];
        foreach (var cap in (TimeSpan[])[TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30)])
        {
            foreach (var jitter in (bool[])[true, false])
            {
                var options = new HerokuMetricsOptions
                {
                    MaxBackoff = cap,
                    BackoffJitter = jitter ? defaults.BackoffJitter : TimeSpan.Zero,
                };
                var delays = PollyDelays.Generate(options, Sequences, Attempts, Seed);
                policies.Add(new BacklogPolicy(NewName(cap, jitter), cap, jitter, delays));
            }
        }

        // The recommendation, with the proposed pacing fix: quantifies the burst the library's pacing lets through.
        var recommended = (BacklogPolicy)policies.Single(p => p.Name == NewName(RecommendedMaxBackoff, jitter: true));
        policies.Add(recommended with { Name = recommended.Name + ", every POST paced (proposed)", PaceEveryPost = true });
        policies.Add(new CatchUpPolicy("old: doubling to 10 min + 0–0.5 s, catch-up", TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(500)));
        DelayGeneration = watch.Elapsed;

        watch.Restart();
        var simulator = new FleetSimulator(Dynos, defaults.PostInterval, defaults.InitialBackoff, defaults.BackoffResetAfter, Seed);
        var runs = Scenario.All.SelectMany(scenario => policies.Select(policy => (scenario, policy))).ToArray();
        var results = new FleetResult[runs.Length];

        // Runs are independent (each has its own seeded randomness), so they share the cores.
        _ = Parallel.For(0, runs.Length, i => results[i] = simulator.Run(runs[i].scenario, runs[i].policy));
        Results = results;
        Simulation = watch.Elapsed;
        Policies = policies;
    }

    internal IReadOnlyList<DeliveryPolicy> Policies { get; }

    internal IReadOnlyList<FleetResult> Results { get; }

    public TimeSpan DelayGeneration { get; }

    public TimeSpan Simulation { get; }

    public static string NewName(TimeSpan cap, bool jitter) =>
        $"new: MaxBackoff {Format(cap)}, jitter {(jitter ? "on" : "off")}";

    internal static string Format(TimeSpan span) =>
        span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";
}
