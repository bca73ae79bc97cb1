namespace HMetrics.Hosting.FleetSimulation;

/// <summary>
/// What the simulated endpoint does and when the dynos start. Times are seconds from the start of the simulation.
/// </summary>
/// <param name="Name">The table's row name.</param>
/// <param name="Horizon">How long the fleet runs.</param>
/// <param name="Down">When the endpoint refuses every request, as [from, to) intervals in time order.</param>
/// <param name="SynchronizedStarts">How many dynos start within the same second (t = 0 to 1); the rest start at a random phase of the interval.</param>
/// <param name="FailureShare">
/// The share of requests the endpoint fails at random at time t (a degraded endpoint shedding load), or null when it fails
/// none outside <paramref name="Down"/>.
/// </param>
/// <remarks>The endpoint does not fall over under load, and a request takes no time (a down endpoint refuses at once).</remarks>
internal sealed record Scenario(string Name, double Horizon, (double From, double To)[] Down, int SynchronizedStarts, Func<double, double>? FailureShare = null)
{
    private const double Hour = 3600;
    private const double OutageStart = 600;

    public static Scenario Steady { get; } = new("steady state (1 h)", Hour, [], 0);

    public static Scenario Outage1Min { get; } = new("1-min outage", Hour, [(OutageStart, OutageStart + 60)], 0);

    /// <summary>Shorter than the endpoint's window (3 min 30 s) with a dyno's detection to spare: nothing may be lost.</summary>
    public static Scenario Outage3Min { get; } = new("3-min outage", Hour, [(OutageStart, OutageStart + 180)], 0);

    public static Scenario Outage10Min { get; } = new("10-min outage", Hour, [(OutageStart, OutageStart + 600)], 0);

    /// <summary>30 s down, 30 s up, for 20 minutes.</summary>
    public static Scenario Flapping { get; } = new(
        "flapping 30 s/30 s for 20 min",
        Hour,
        [.. Enumerable.Range(0, 20).Select(i => (OutageStart + (i * 60.0), OutageStart + (i * 60.0) + 30))],
        0);

    public static Scenario Restart1000 { get; } = new("1,000 dynos start in one second", Hour, [], 1_000);

    public static Scenario RestartAll { get; } = new("all dynos start in one second", Hour, [], int.MaxValue);

    public static Scenario Degraded10 { get; } = Degraded(0.1);

    public static Scenario Degraded30 { get; } = Degraded(0.3);

    public static Scenario Degraded50 { get; } = Degraded(0.5);

    /// <summary>Failing a share of requests that rises from none to half and back over the hour.</summary>
    public static Scenario DegradedVarying { get; } = new(
        "each request fails with probability 0 → 0.5 → 0 over the hour",
        Hour,
        [],
        0,
        t => 0.25 * (1 - Math.Cos(2 * Math.PI * t / Hour)));

    public static IReadOnlyList<Scenario> All { get; } =
        [Steady, Outage1Min, Outage3Min, Outage10Min, Flapping, Restart1000, RestartAll, Degraded10, Degraded30, Degraded50, DegradedVarying];

    /// <summary>Gets whether the endpoint is fully down for a while: the recovery and while-down goals apply.</summary>
    public bool HasOutage => Down.Length > 0;

    /// <summary>Gets whether the endpoint fails a share of requests at random.</summary>
    public bool IsDegraded => FailureShare is not null;

    /// <summary>Whether the endpoint is down (refuses everything) at <paramref name="t"/>.</summary>
    public bool IsDown(double t)
    {
        foreach (var (from, to) in Down)
        {
            if (t < from)
            {
                return false;
            }

            if (t < to)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the endpoint accepts a request at <paramref name="t"/>; <paramref name="random"/> decides a degraded endpoint's coin.</summary>
    public bool Accepts(double t, Random random) =>
        !IsDown(t) && (FailureShare is not { } share || random.NextDouble() >= share(t));

    /// <summary>
    /// Whether a sample measured at <paramref name="measuredAt"/> can be delivered at its own time at all: the endpoint is
    /// up at some moment while the sample is at most <paramref name="maxAge"/> old.
    /// </summary>
    public bool IsDeliverable(double measuredAt, double maxAge)
    {
        var end = measuredAt + maxAge;
        foreach (var (from, to) in Down)
        {
            if (from <= measuredAt && end < to)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a sample's acceptance window meets an outage: the samples an outage puts at risk.</summary>
    public bool IsAtRisk(double measuredAt, double maxAge)
    {
        var end = measuredAt + maxAge;
        foreach (var (from, to) in Down)
        {
            if (from <= end && measuredAt < to)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="second"/> is after an outage began and the endpoint is up: a recovery second.</summary>
    public bool IsRecovering(double second) => HasOutage && second >= Down[0].To && !IsDown(second);

    private static Scenario Degraded(double share) =>
        new($"each request fails with probability {share:0.0}", Hour, [], 0, _ => share);
}
