namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The reporter's steady clock: time elapsed since the reporter started, from <see cref="TimeProvider.GetTimestamp"/>.
/// </summary>
/// <remarks>
/// Every age and duration the reporter reasons about (a sample's age against the endpoint's window, pacing gaps, the
/// all-clear window, how long an outage lasted) is measured on it, so a wall-clock jump (NTP, a suspended VM, a user's
/// clock change) moves nothing but the <c>Measurements-Time</c> stamped on the next sample.
/// </remarks>
internal sealed class SteadyClock(TimeProvider time, long origin)
{
    public TimeProvider Time { get; } = time;

    /// <summary>Gets the time elapsed since the reporter started.</summary>
    public TimeSpan Now => Time.GetElapsedTime(origin);

    /// <summary>Gets the wall-clock time, only for stamping a sample and for what users read.</summary>
    public DateTimeOffset WallNow => Time.GetUtcNow();
}
