using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting;

/// <summary>
/// Healthy while reports flow, Degraded after a failure, Unhealthy after failures for longer than the window.
/// </summary>
/// <remarks>
/// Reads only the core package's public <see cref="IHerokuMetricsStatusProvider"/>, so any core version with that API
/// works. Its description and data never carry the endpoint URL; failures are named by class (http_5xx, timeout, ...).
/// </remarks>
internal sealed class HerokuMetricsHealthCheck(
    IHerokuMetricsStatusProvider status,
    IOptionsMonitor<HerokuMetricsHealthCheckOptions> options,
    TimeProvider timeProvider) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = status.Current;
        return Task.FromResult(now switch
        {
            { State: HerokuMetricsState.Idle } => HealthCheckResult.Healthy(now.IdleReason ?? "disabled"),
            { State: HerokuMetricsState.NotStarted } => HealthCheckResult.Healthy("not started yet"),
            { State: HerokuMetricsState.Stopped } => HealthCheckResult.Healthy("stopped with the host", Data(now)),
            { FailingSince: null } => HealthCheckResult.Healthy(now.LastSuccess is null ? "reporting; no report due yet" : "reports are delivered", Data(now)),
            _ when timeProvider.GetUtcNow() - now.FailingSince.Value >= options.CurrentValue.UnhealthyAfter =>
                new HealthCheckResult(context.Registration.FailureStatus, "reports have been failing since " + now.FailingSince.Value.ToString("O", CultureInfo.InvariantCulture), data: Data(now)),
            _ => HealthCheckResult.Degraded("the last report failed (" + now.LastFailure + "); retrying with backoff", data: Data(now)),
        });
    }

    private static Dictionary<string, object> Data(HerokuMetricsStatus s)
    {
        var data = new Dictionary<string, object>
        {
            ["consecutiveFailures"] = s.ConsecutiveFailures,
            ["backlog"] = s.Backlog,
            ["droppedSamples"] = s.DroppedSamples,
        };
        if (s.LastSuccess is { } success)
        {
            data["lastSuccess"] = success;
        }

        if (s.FailingSince is { } since)
        {
            data["failingSince"] = since;
        }

        if (s.LastFailure is { } failure)
        {
            data["lastFailure"] = failure;
        }

        return data;
    }
}
