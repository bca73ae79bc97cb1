namespace HMetrics.Hosting.Reporting.Sampling;

/// <summary>
/// When samples are due: one interval apart, counted from the first, so that late timer wake-ups never add up to drift.
/// </summary>
/// <remarks>All times are offsets from the reporter's start. Pure arithmetic: the sampler owns the timer.</remarks>
/// <param name="interval">The sampling interval.</param>
/// <param name="firstDue">When the first sample is due (<see cref="StartPhase"/>): at most one interval after the start.</param>
internal sealed class SampleSchedule(TimeSpan interval, TimeSpan firstDue)
{
    private TimeSpan _last = firstDue - interval;

    public TimeSpan Interval { get; private set; } = interval;

    /// <summary>Gets when the next sample is due.</summary>
    public TimeSpan NextDue { get; private set; } = firstDue;

    /// <summary>Records that the due sample was taken at <paramref name="now"/>; ticks missed meanwhile collapse into it.</summary>
    public void Taken(TimeSpan now)
    {
        _last = NextDue <= now ? NextDue : now;
        var next = _last + Interval;
        if (next <= now)
        {
            // A stall longer than an interval: skip to the first due time still ahead, on the same grid.
            var missed = ((now - next).Ticks / Interval.Ticks) + 1;
            next += TimeSpan.FromTicks(missed * Interval.Ticks);
        }

        NextDue = next;
    }

    /// <summary>Applies a new interval from now on: the next sample is due one new interval after the last one, or at once.</summary>
    public void Retime(TimeSpan interval, TimeSpan now)
    {
        Interval = interval;
        var next = _last + interval;
        NextDue = next > now ? next : now;
    }
}
