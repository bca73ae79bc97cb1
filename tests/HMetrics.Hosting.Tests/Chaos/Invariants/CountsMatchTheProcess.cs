using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// What the dyno's endpoint accepted over the run adds up to what the process counted over the run, for its exact
/// counters (garbage collections and GC pause, see <see cref="ProcessReading"/>).
/// </summary>
/// <remarks>
/// <para>
/// Delivered: each distinct accepted sample once (a re-sent copy counts once), its collections from
/// <c>go.gc.collections</c> if present, else the sum of the three <c>dotnet.gc.collections.gen*</c>; its pause from
/// <c>go.gc.pause.ns</c> (whole ticks times 100) if present, else <c>dotnet.gc.pause.time</c> rounded to whole ticks.
/// </para>
/// <para>
/// The process's own: the calibration before the run left the ledger somewhere in the bracket of its stop, and the
/// run's last stop took its final sample somewhere in the bracket of that stop. When every host of the run ran to a
/// clean stop with nothing lost — live, FlushOnShutdown, its stop within bound, <c>Flushed</c> logged and
/// <c>FlushFailed</c> not, nothing dropped, an empty backlog, no <c>UnexpectedError</c>, logs that cannot lose the
/// library's lines (else a failed flush could not be seen), no abort or stall — the delivered total lies in
/// [end.before − baseline.after, end.after − baseline.before]. Otherwise some increments handed to a host were lost
/// with it, and only the weaker form holds: delivered ≤ end.after − baseline.before. Either form catches an increment
/// delivered twice (two hosts, or a schema change, posting the same collections) and a spike of old increments.
/// </para>
/// <para>
/// Delivery is at least once around an answer the library never got (<see cref="NoSampleTwice"/>): a sample the endpoint
/// accepted while the library saw a timeout, a cancellation or a failure a handler made up is still the library's to
/// deliver, and if it expires its counters are carried into the next sample (docs/behaviour.md), a different body. So
/// the weaker form allows the counts of such samples once more: delivered ≤ end.after − baseline.before + their counts.
/// </para>
/// </remarks>
internal sealed class CountsMatchTheProcess : IRunInvariant
{
    public string Name => "delivered counts equal the process's own";

    public IEnumerable<string> Check(RunEvidence run)
    {
        var (collections, pause) = Delivered(run);
        var (unseenCollections, unseenPause) = AcceptedUnseen(run);
        var why = WhyNotExact(run).ToList();
        var (begin, end) = (run.Baseline, run.End);

        foreach (var violation in Compare("GC collections", collections, end.Before.Collections - begin.After.Collections, end.After.Collections - begin.Before.Collections, unseenCollections, why))
        {
            yield return violation;
        }

        foreach (var violation in Compare("GC pause ticks", pause, end.Before.PauseTicks - begin.After.PauseTicks, end.After.PauseTicks - begin.Before.PauseTicks, unseenPause, why))
        {
            yield return violation;
        }
    }

    /// <summary>
    /// The collections and pause ticks of the distinct samples the endpoint accepted without the library ever seeing a
    /// 2xx for any copy: the counts at-least-once delivery may send again in a later sample.
    /// </summary>
    public static (double Collections, double PauseTicks) AcceptedUnseen(RunEvidence run)
    {
        var attempts = run.Attempts.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var samples = run.Receipts
            .Where(r => r.Accepted)
            .GroupBy(SampleKey.Of)
            .Where(copies => copies.All(r => r.AttemptId is { } id && attempts.TryGetValue(id, out var attempt) && !attempt.LibrarySawSuccess))
            .Select(copies => copies.First().Counters())
            .ToList();
        return (samples.Sum(Collections), samples.Sum(PauseTicks));
    }

    /// <summary>The collections and pause ticks of every distinct sample the endpoint accepted.</summary>
    public static (double Collections, double PauseTicks) Delivered(RunEvidence run)
    {
        var samples = run.Receipts.Where(r => r.Accepted).GroupBy(SampleKey.Of).Select(g => g.First().Counters()).ToList();
        return (samples.Sum(Collections), samples.Sum(PauseTicks));
    }

    /// <summary>Why the exact form does not apply to the run; empty when it does.</summary>
    public static IEnumerable<string> WhyNotExact(RunEvidence run)
    {
        if (run.Aborts.Count > 0 || run.Stalls.Count > 0)
        {
            yield return "the run was cut short";
        }

        var lossyLogs = run.Scenario.Logging?.CanLoseLibraryLines == true;
        foreach (var host in run.Hosts)
        {
            var reasons = new List<string>();
            if (!host.Activated)
            {
                reasons.Add("never live");
            }

            if (!host.Plan.FlushOnShutdown)
            {
                reasons.Add("no flush on shutdown");
            }

            if (host.StopDuration is null || host.StopDuration > StopsWithinBound.Bound || host.Failures.Count > 0)
            {
                reasons.Add("no clean stop");
            }

            if (lossyLogs)
            {
                reasons.Add("its logs can lose the library's lines");
            }
            else if (host.Count("Flushed") != 1 || host.Count("FlushFailed") > 0)
            {
                reasons.Add("flush not delivered");
            }

            if (host.DroppedSamples > 0 || host.Backlog > 0)
            {
                reasons.Add($"{host.DroppedSamples} dropped, {host.Backlog} left in the backlog");
            }

            if (host.Count("UnexpectedError") > 0)
            {
                reasons.Add("UnexpectedError");
            }

            if (reasons.Count > 0)
            {
                yield return $"{host.Name}: {string.Join(", ", reasons)}";
            }
        }
    }

    public static double Collections(IReadOnlyDictionary<string, double> counters) =>
        counters.TryGetValue("go.gc.collections", out var total)
            ? total
            : counters.GetValueOrDefault("dotnet.gc.collections.gen0") + counters.GetValueOrDefault("dotnet.gc.collections.gen1") + counters.GetValueOrDefault("dotnet.gc.collections.gen2");

    public static double PauseTicks(IReadOnlyDictionary<string, double> counters) =>
        counters.TryGetValue("go.gc.pause.ns", out var nanoseconds)
            ? nanoseconds / 100
            : Math.Round(counters.GetValueOrDefault("dotnet.gc.pause.time") * TimeSpan.TicksPerSecond);

    private static IEnumerable<string> Compare(string what, double delivered, long low, long high, double acceptedUnseen, List<string> whyNotExact)
    {
        if (whyNotExact.Count == 0 && (delivered < low || delivered > high))
        {
            yield return $"{what}: the endpoint accepted {delivered}; the process counted between {low} and {high} over the run (every host stopped clean, so the two must match)";
        }
        else if (whyNotExact.Count > 0 && delivered > high + acceptedUnseen)
        {
            yield return $"{what}: the endpoint accepted {delivered}; the process counted at most {high} over the run, and samples accepted without the library seeing it carried {acceptedUnseen} " +
                $"(not every host stopped clean — {string.Join("; ", whyNotExact)} — so only 'no more than the process, plus what at-least-once may send again' holds, and it does not)";
        }
    }
}
