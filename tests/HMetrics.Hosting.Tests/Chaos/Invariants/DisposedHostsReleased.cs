using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// A disposed host is let go: nothing of the library keeps its service provider alive once the client factory has
/// released the host's handlers (after <see cref="Harness.ChaosHost.HandlerLifetime"/> and the factory's 10-second
/// cleanup tick). A host rebuilt in-process must not leak the one before it.
/// </summary>
/// <remarks>
/// Checked across runs, after the full collection of each finalizer sweep, for hosts disposed at least
/// <see cref="Bound"/> (real time) earlier: the factory's timers run on real time, which the suite never waits for, so a
/// host disposed in the last <see cref="Bound"/> of the suite goes unchecked.
/// </remarks>
internal sealed class DisposedHostsReleased
{
    /// <summary>Well past the handler lifetime and two cleanup ticks, on a loaded machine.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<(int Seed, string Host, WeakReference Services, TimeSpan DisposedAt)> _pending = [];

    public string Name => "no disposed host left alive";

    /// <summary>Gets how many disposed hosts were checked so far.</summary>
    public int Checked { get; private set; }

    public void Add(int seed, IEnumerable<(string Host, WeakReference Services)> disposed, TimeSpan now) =>
        _pending.AddRange(disposed.Select(d => (seed, d.Host, d.Services, now)));

    /// <summary>Checks, after a full collection, every host disposed at least <see cref="Bound"/> before <paramref name="now"/>.</summary>
    /// <returns>Each seed whose hosts are still alive, with a line saying which.</returns>
    public IReadOnlyList<(int Seed, string Violation)> Check(TimeSpan now)
    {
        var due = _pending.Where(p => now - p.DisposedAt >= Bound).ToList();
        _ = _pending.RemoveAll(p => now - p.DisposedAt >= Bound);
        Checked += due.Count;
        return [.. due.Where(p => p.Services.IsAlive).GroupBy(p => p.Seed).Select(g => (g.Key, string.Create(
            CultureInfo.InvariantCulture,
            $"seed {g.Key}: hosts {string.Join(", ", g.Select(p => p.Host))} still alive {(now - g.First().DisposedAt).TotalSeconds:0} s after they were disposed")))];
    }
}
