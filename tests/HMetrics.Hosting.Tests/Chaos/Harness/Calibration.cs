using HMetrics.Hosting.Tests.Helpers;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// Brings the process's counter ledger level with the process before a run, through the public API only: one clean
/// reporter (schema Both, so every counter and every name) starts and stops at once, and its final sample takes every
/// increment not yet handed out.
/// </summary>
/// <remarks>
/// Without it a run's first sample would also carry whatever the process counted since the previous run's last sample
/// (the forced collections between runs, for one), which no reading of the run can bound.
/// </remarks>
internal static class Calibration
{
    public static async Task<CounterBracket> LevelAsync(ChaosServer server, int seed)
    {
        var path = "/calibration/" + seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var route = server.Route(path, static (_, _) => Task.CompletedTask);
        await using var host = MetricsHost.Create($"http://127.0.0.1:{server.Port}{path}", ("HerokuMetrics:Schema", "Both"));
        await host.StartAsync();
        _ = await host.WaitForLogAsync("Started");
        var before = ProcessReading.Now();
        await host.Host.StopAsync();
        var after = ProcessReading.Now();
        _ = await host.WaitForLogAsync("Flushed");
        return new CounterBracket(before, after);
    }
}
