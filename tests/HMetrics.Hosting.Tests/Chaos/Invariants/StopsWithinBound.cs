using System.Globalization;
using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// Every host stops within <see cref="Bound"/> of real time, well under its shutdown timeout. Fake time does not move
/// during a stop, so a stop that waits for a fake-time timer (a timeout, a backoff) only ends at the shutdown timeout.
/// </summary>
internal sealed class StopsWithinBound : IRunInvariant
{
    /// <summary>Generous for a loaded 2-core machine, where a stop takes milliseconds; well under <see cref="ChaosHost.ShutdownTimeout"/>.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(4);

    public string Name => "every host stops within its bound";

    public IEnumerable<string> Check(RunEvidence run)
    {
        foreach (var host in run.Hosts)
        {
            if (host.StopDuration is { } took && took > Bound)
            {
                // What the library said last tells what the stop was waiting for (a flush, a request in flight).
                var last = host.Logs.Where(static l => l.IsLibrary).TakeLast(6).Select(static l => $"{l.Level} {l.EventName}: {l.Message}");
                yield return string.Create(CultureInfo.InvariantCulture, $"host {host.Name} took {took.TotalSeconds:0.0} s (real) to stop; the bound is {Bound.TotalSeconds} s, the shutdown timeout {ChaosHost.ShutdownTimeout.TotalSeconds} s; its last lines:\n        {string.Join("\n        ", last)}");
            }
        }
    }
}
