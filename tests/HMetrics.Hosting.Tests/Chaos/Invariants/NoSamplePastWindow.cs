using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// No sample is POSTed older than the endpoint's four-minute window. The age is steady time: from the moment the
/// sample was taken (its <c>Measurements-Time</c> mapped back through the wall clock's jumps by <see cref="SampleClock"/>)
/// to the moment the library handed the POST to its handler chain, as the outermost handler saw it.
/// </summary>
/// <remarks>
/// Measured at the hand-over, not at the server: between the two only the app's handlers and the network spend time,
/// which the library bounds by its request timeout (and its 30 s margin below the window), and which in this suite
/// passes only where the scenario holds a request for fake time on purpose. Every POST counts, also those that never
/// reached the endpoint (a handler threw, the proxy refused).
/// </remarks>
internal sealed class NoSamplePastWindow : IRunInvariant
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(4);

    public string Name => "no sample POSTed past the window";

    public IEnumerable<string> Check(RunEvidence run)
    {
        foreach (var attempt in run.Attempts)
        {
            if (SampleClock.Parse(attempt.MeasurementsTime) is not { } stamp)
            {
                yield return $"attempt {attempt.Id} sent at {ChaosStep.Format(attempt.SentAt)} has no valid Measurements-Time: '{attempt.MeasurementsTime}'";
                continue;
            }

            if (SampleClock.TakenAt(stamp, run.ClockStart, run.WallClock, attempt.SentAt) is not { } taken)
            {
                yield return $"attempt {attempt.Id} sent at {ChaosStep.Format(attempt.SentAt)} carries Measurements-Time {attempt.MeasurementsTime}, which the wall clock never read before then";
                continue;
            }

            var age = attempt.SentAt - taken;
            if (age > Window)
            {
                yield return $"attempt {attempt.Id} sent at {ChaosStep.Format(attempt.SentAt)} carries the sample taken at {ChaosStep.Format(TimeSpan.FromMilliseconds(Math.Floor(taken.TotalMilliseconds)))} " +
                    $"(Measurements-Time {attempt.MeasurementsTime}): {ChaosStep.Format(age)} old by the steady clock; library got {attempt.Outcome}";
            }
        }
    }
}
