using System.Diagnostics;
using HMetrics.Hosting;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>Runs every scenario under every policy once, for all the tests of the class.</summary>
public sealed class FleetFixture
{
    /// <summary>The fleet's size: 10,000 in CI; <c>FLEET_DYNOS=100000</c> runs the internet-scale table (docs/fleet-simulation.md).</summary>
    public static readonly int Dynos = int.TryParse(Environment.GetEnvironmentVariable("FLEET_DYNOS"), out var dynos) ? dynos : 10_000;

    /// <summary>Polly executions per jittered policy; a dyno draws one at random for each run.</summary>
    public const int Sequences = 4_096;

    /// <summary>Failures per Polly execution; the simulation fails if a dyno ever needs more.</summary>
    public const int Attempts = 64;

    /// <summary>For a quick look at some scenarios while tuning: <c>FLEET_ONLY=flapping,each</c> (name prefixes); the goal tests need them all.</summary>
    private static readonly string[]? Only = Environment.GetEnvironmentVariable("FLEET_ONLY") is { Length: > 0 } only
        ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : null;

    /// <summary>The table's seed; <c>FLEET_SEED=n</c> re-runs everything with another, to see which figures are noise.</summary>
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("FLEET_SEED"), out var seed) ? seed : 20_261_125;

    public FleetFixture()
    {
        // The library's defaults, as a user gets them: the first row of the table and the subject of the goal tests.
        Defaults = new HerokuMetricsOptions();
        var watch = Stopwatch.StartNew();
        List<DeliveryPolicy> policies = [];
        BacklogPolicy Backlog(string name, HerokuMetricsOptions options) =>
            new(name, LibraryPolicy.Settings(options), PollyDelays.Generate(options, Sequences, Attempts, Seed));

        DefaultPolicy = Backlog(DefaultsName(Defaults), Defaults);
        policies.Add(DefaultPolicy);

        // Variations on the defaults: jitter off, then other caps with jitter on and off.
        var jitterOn = Defaults.BackoffJitter > TimeSpan.Zero ? Defaults.BackoffJitter : TimeSpan.FromMilliseconds(500);
        IEnumerable<(TimeSpan Cap, bool Jitter)> variations =
        [
            (Defaults.MaxBackoff, !(Defaults.BackoffJitter > TimeSpan.Zero)),
            .. ((TimeSpan[])[TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10)])
                .Where(cap => cap != Defaults.MaxBackoff)
                .SelectMany(cap => ((bool[])[true, false]).Select(jitter => (cap, jitter))),
        ];
        foreach (var (cap, jitter) in variations)
        {
            var options = new HerokuMetricsOptions { MaxBackoff = cap, BackoffJitter = jitter ? jitterOn : TimeSpan.Zero };
            policies.Add(Backlog(Name(cap, jitter), options));
        }

        policies.Add(new CatchUpPolicy("old: doubling to 10 min + 0–0.5 s, catch-up", TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(500)));
        DelayGeneration = watch.Elapsed;

        watch.Restart();
        var simulator = new FleetSimulator(Dynos, Defaults.PostInterval, Defaults.InitialBackoff, Defaults.BackoffResetAfter, Seed);
        // The variations are about outages: every other scenario runs the defaults and the old policy only, which keeps the
        // whole run short on a busy 2-core CI machine.
        var runs = Scenario.All
            .Where(scenario => Only is null || Only.Any(o => scenario.Name.StartsWith(o, StringComparison.OrdinalIgnoreCase)))
            .SelectMany(scenario => policies
                .Where(policy => scenario.HasOutage || ReferenceEquals(policy, DefaultPolicy) || policy is CatchUpPolicy)
                .Select(policy => (scenario, policy)))
            .ToArray();
        var results = new FleetResult[runs.Length];

        // Runs are independent (each has its own seeded randomness), so they share the cores.
        _ = Parallel.For(0, runs.Length, i => results[i] = simulator.Run(runs[i].scenario, runs[i].policy));
        Results = results;
        Simulation = watch.Elapsed;
        Policies = policies;
    }

    /// <summary>Gets <c>new HerokuMetricsOptions()</c>: what the table's first row and the goal tests simulate.</summary>
    public HerokuMetricsOptions Defaults { get; }

    internal BacklogPolicy DefaultPolicy { get; }

    internal IReadOnlyList<DeliveryPolicy> Policies { get; }

    internal IReadOnlyList<FleetResult> Results { get; }

    public TimeSpan DelayGeneration { get; }

    public TimeSpan Simulation { get; }

    public static string Name(TimeSpan cap, bool jitter) =>
        $"MaxBackoff {Format(cap)}, jitter {(jitter ? "on" : "off")}";

    public static string DefaultsName(HerokuMetricsOptions defaults) =>
        $"library defaults: {Name(defaults.MaxBackoff, defaults.BackoffJitter > TimeSpan.Zero)}, InitialBackoff {Format(defaults.InitialBackoff)}";

    internal static string Format(TimeSpan span) =>
        span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";
}
