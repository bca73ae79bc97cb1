using HMetrics.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the Heroku metrics health check.
/// </summary>
public static class HerokuMetricsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that is Healthy while Heroku metrics reports flow (or when no endpoint is configured), Degraded after a
    /// failed report and Unhealthy after reports kept failing for <see cref="HerokuMetricsHealthCheckOptions.UnhealthyAfter"/>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="configure">Changes the check's options.</param>
    /// <param name="tags">Tags to filter the check by.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Also calls <c>AddHerokuMetrics()</c>, which is idempotent.</remarks>
    public static IHealthChecksBuilder AddHerokuMetrics(
        this IHealthChecksBuilder builder,
        string name = "heroku-metrics",
        Action<HerokuMetricsHealthCheckOptions>? configure = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        _ = builder.Services.AddHerokuMetrics();
        var options = builder.Services.AddOptions<HerokuMetricsHealthCheckOptions>()
            .Validate(static o => o.UnhealthyAfter > TimeSpan.Zero, "HerokuMetrics health check UnhealthyAfter must be more than zero.");
        if (configure is not null)
        {
            _ = options.Configure(configure);
        }

        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => new HerokuMetricsHealthCheck(
                sp.GetRequiredService<IHerokuMetricsStatusProvider>(),
                sp.GetRequiredService<IOptionsMonitor<HerokuMetricsHealthCheckOptions>>(),
                sp.GetRequiredService<TimeProvider>()),
            HealthStatus.Unhealthy,
            tags));
    }
}
