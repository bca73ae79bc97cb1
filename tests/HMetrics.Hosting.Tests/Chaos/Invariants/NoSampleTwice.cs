using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// The endpoint accepts no sample twice: the same host, <c>Measurements-Time</c> and body answered 2xx more than once.
/// </summary>
/// <remarks>
/// Delivery is at least once around an answer the library never got (docs/reliability.md, "What is not guaranteed"):
/// a request that timed out or was cancelled, or whose answer a handler of the app turned into a failure, may have been
/// taken by the endpoint, and is then sent again. So a second copy is allowed when an earlier accepted copy's attempt
/// ended, for the library, in anything but a 2xx response — as the outermost handler saw it.
/// </remarks>
internal sealed class NoSampleTwice : IRunInvariant
{
    public string Name => "no sample POSTed twice";

    public IEnumerable<string> Check(RunEvidence run)
    {
        var attempts = run.Attempts.ToDictionary(a => a.Id, StringComparer.Ordinal);
        foreach (var copies in run.Receipts.Where(r => r.Accepted).GroupBy(SampleKey.Of))
        {
            var accepted = copies.ToList();
            for (var i = 1; i < accepted.Count; i++)
            {
                var excused = accepted.Take(i).Any(earlier =>
                    earlier.AttemptId is { } id && attempts.TryGetValue(id, out var attempt) && !attempt.LibrarySawSuccess);
                if (!excused)
                {
                    yield return $"host {accepted[i].Host}'s sample of {accepted[i].MeasurementsTime} was accepted {accepted.Count} times " +
                        $"(attempts {string.Join(", ", accepted.Select(r => $"{r.AttemptId} at {Generation.ChaosStep.Format(r.ArrivedAt)}: library got {Outcome(attempts, r.AttemptId)}"))}), " +
                        "and the library had a 2xx for an earlier copy";
                    break;
                }
            }
        }
    }

    private static string Outcome(Dictionary<string, Attempt> attempts, string? id) =>
        id is not null && attempts.TryGetValue(id, out var attempt) ? attempt.Outcome : "?";
}
