using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// Every posted sample is consistent in itself: no counter is negative, and where a sample carries both names of one
/// runtime counter (schema Both) they agree — the three generations add up to <c>go.gc.collections</c>, and
/// <c>go.gc.pause.ns</c> and <c>dotnet.gc.pause.time</c> are the same pause.
/// </summary>
internal sealed class SamplesAddUp : IRunInvariant
{
    public string Name => "every sample adds up";

    public IEnumerable<string> Check(RunEvidence run)
    {
        foreach (var receipt in run.Receipts)
        {
            var counters = receipt.Counters();
            var where = $"host {receipt.Host}'s sample of {receipt.MeasurementsTime} ({receipt.AttemptId})";
            foreach (var (name, value) in counters.Where(c => c.Value < 0))
            {
                yield return $"{where}: {name} = {value}";
            }

            if (counters.TryGetValue("go.gc.collections", out var total) && counters.ContainsKey("dotnet.gc.collections.gen0"))
            {
                var generations = counters["dotnet.gc.collections.gen0"] + counters.GetValueOrDefault("dotnet.gc.collections.gen1") + counters.GetValueOrDefault("dotnet.gc.collections.gen2");
                if (generations != total)
                {
                    yield return $"{where}: gen0+gen1+gen2 = {generations} but go.gc.collections = {total}";
                }
            }

            if (counters.TryGetValue("go.gc.pause.ns", out var nanoseconds) && counters.TryGetValue("dotnet.gc.pause.time", out var seconds)
                && Math.Round(seconds * TimeSpan.TicksPerSecond) != nanoseconds / 100)
            {
                yield return $"{where}: go.gc.pause.ns = {nanoseconds} but dotnet.gc.pause.time = {seconds} s";
            }
        }
    }
}
