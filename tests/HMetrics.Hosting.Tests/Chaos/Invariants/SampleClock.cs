using System.Globalization;
using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// Maps a <c>Measurements-Time</c> back to the steady moment the sample was taken, through the wall clock's jumps.
/// </summary>
/// <remarks>
/// The wall clock reads steady time plus an offset that changes only at a jump, so a stamp <c>m</c> (whole milliseconds,
/// truncated) was read at some moment in <c>[m - offset, m - offset + 1 ms)</c> during one of the segments between
/// jumps. After a jump back, two segments can both fit; the latest possible moment is taken (the youngest age), so an
/// age is never overstated.
/// </remarks>
internal static class SampleClock
{
    public static DateTimeOffset? Parse(string? measurementsTime) =>
        DateTimeOffset.TryParseExact(measurementsTime, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : null;

    /// <summary>The latest steady moment (since the run began), no later than <paramref name="notAfter"/>, at which the wall clock read <paramref name="stamp"/>.</summary>
    public static TimeSpan? TakenAt(DateTimeOffset stamp, DateTimeOffset clockStart, IReadOnlyList<WallClockSegment> segments, TimeSpan notAfter)
    {
        TimeSpan? latest = null;
        for (var i = 0; i < segments.Count; i++)
        {
            var from = segments[i].From;
            var to = i + 1 < segments.Count ? segments[i + 1].From : TimeSpan.MaxValue;
            var earliest = stamp - clockStart - segments[i].Offset;
            var last = Min(Min(earliest + TimeSpan.FromMilliseconds(1) - TimeSpan.FromTicks(1), to), notAfter);
            if (last >= earliest && last >= from && (latest is null || last > latest))
            {
                latest = last;
            }
        }

        return latest;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
