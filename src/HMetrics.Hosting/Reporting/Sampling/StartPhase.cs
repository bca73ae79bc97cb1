namespace HMetrics.Hosting.Reporting.Sampling;

/// <summary>
/// Where in its first interval a reporter takes its first sample: at a random phase, never later than one interval after
/// it started.
/// </summary>
/// <remarks>
/// The schedule is counted from the reporter's start, so dynos restarted together (a deploy, a platform restart) would
/// otherwise post in the same second every interval for as long as they run: 20 times the steady rate at the endpoint for
/// a whole fleet restarted at once, in the fleet simulation. A random first phase spreads them for good. Tests fix the
/// phase by registering their own instance.
/// </remarks>
internal sealed class StartPhase(Func<double> unitDraw)
{
    /// <summary>Gets the phase the library uses: drawn uniformly.</summary>
    public static StartPhase Random => new(System.Random.Shared.NextDouble);

    /// <summary>When the first sample is due, counted from the start: in (0, <paramref name="interval"/>].</summary>
    /// <remarks><paramref name="interval"/> × (1 − U) for U uniform in [0, 1): a draw of 0 gives exactly one interval.</remarks>
    public TimeSpan FirstDue(TimeSpan interval) =>
        TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(interval.Ticks * (1 - unitDraw()))));
}
