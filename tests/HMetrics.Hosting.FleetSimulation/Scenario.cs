namespace HMetrics.Hosting.FleetSimulation;

/// <summary>
/// What the simulated endpoint does (up or down, by the clock only: it does not fall over under load) and when the dynos
/// start. Times are seconds from the start of the simulation.
/// </summary>
/// <param name="Name">The table's row name.</param>
/// <param name="Horizon">How long the fleet runs.</param>
/// <param name="Down">When the endpoint refuses every request, as [from, to) intervals in time order.</param>
/// <param name="SynchronizedStarts">How many dynos start within the same second (t = 0 to 1); the rest start at a random phase of the interval.</param>
/// <param name="HasOutage">Whether the peak-rate goal applies: it is about recovery from an outage.</param>
internal sealed record Scenario(string Name, double Horizon, (double From, double To)[] Down, int SynchronizedStarts, bool HasOutage)
{
    private const double Hour = 3600;
    private const double OutageStart = 600;

    public static Scenario Steady { get; } = new("steady state (1 h)", Hour, [], 0, HasOutage: false);

    public static Scenario Outage1Min { get; } = new("1-min outage", Hour, [(OutageStart, OutageStart + 60)], 0, HasOutage: true);

    public static Scenario Outage10Min { get; } = new("10-min outage", Hour, [(OutageStart, OutageStart + 600)], 0, HasOutage: true);

    /// <summary>30 s down, 30 s up, for 20 minutes.</summary>
    public static Scenario Flapping { get; } = new(
        "flapping 30 s/30 s for 20 min",
        Hour,
        [.. Enumerable.Range(0, 20).Select(i => (OutageStart + (i * 60.0), OutageStart + (i * 60.0) + 30))],
        0,
        HasOutage: true);

    public static Scenario Restart1000 { get; } = new("1,000 dynos start in one second", Hour, [], 1_000, HasOutage: false);

    public static Scenario RestartAll { get; } = new("all dynos start in one second", Hour, [], int.MaxValue, HasOutage: false);

    public static IReadOnlyList<Scenario> All { get; } = [Steady, Outage1Min, Outage10Min, Flapping, Restart1000, RestartAll];

    /// <summary>Whether the endpoint accepts a request at <paramref name="t"/>.</summary>
    public bool IsUp(double t)
    {
        foreach (var (from, to) in Down)
        {
            if (t < from)
            {
                return true;
            }

            if (t < to)
            {
                return false;
            }
        }

        return true;
    }

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
}
