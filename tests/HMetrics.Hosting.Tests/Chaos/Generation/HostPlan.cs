using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>One host slot of the run: its configuration at start, its handlers and whether it goes through the proxy.</summary>
/// <param name="Name">A, B or C; each start of the slot is a new host (an in-process rebuild).</param>
/// <param name="MisspeltKey">A key under <c>HerokuMetrics</c> that is no setting, present from the start.</param>
/// <param name="Proxied">Reaches an https endpoint through a proxy with credentials in its URL that answers 407.</param>
internal sealed record HostPlan(
    string Name,
    HerokuMetricsSchema Schema,
    TimeSpan PostInterval,
    TimeSpan HttpTimeout,
    TimeSpan InitialBackoff,
    TimeSpan MaxBackoff,
    TimeSpan BackoffResetAfter,
    bool Jitter,
    bool FlushOnShutdown,
    string? MisspeltKey,
    IReadOnlyList<HandlerPlan> Handlers,
    bool Proxied)
{
    /// <summary>The configuration keys of the host at start, under <c>HerokuMetrics</c>.</summary>
    public IEnumerable<(string Key, string? Value)> Settings()
    {
        yield return ("HerokuMetrics:Schema", Schema.ToString());
        yield return ("HerokuMetrics:PostInterval", ChaosStep.Setting(PostInterval));
        yield return ("HerokuMetrics:HttpTimeout", ChaosStep.Setting(HttpTimeout));
        yield return ("HerokuMetrics:InitialBackoff", ChaosStep.Setting(InitialBackoff));
        yield return ("HerokuMetrics:MaxBackoff", ChaosStep.Setting(MaxBackoff));
        yield return ("HerokuMetrics:BackoffResetAfter", ChaosStep.Setting(BackoffResetAfter));
        yield return ("HerokuMetrics:BackoffJitter", Jitter ? "00:00:00.500" : "00:00:00");
        yield return ("HerokuMetrics:FlushOnShutdown", FlushOnShutdown ? "true" : "false");
        if (MisspeltKey is not null)
        {
            yield return ("HerokuMetrics:" + MisspeltKey, "00:00:05");
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}: {Schema}") +
        string.Concat(Settings().Skip(1).Select(s => $", {s.Key["HerokuMetrics:".Length..]}={s.Value}")) +
        (Proxied ? "; through a proxy with credentials that answers 407 (https endpoint)" : string.Empty) +
        (Handlers.Count == 0 ? string.Empty : "; handlers: " + string.Join(", ", Handlers));
}
