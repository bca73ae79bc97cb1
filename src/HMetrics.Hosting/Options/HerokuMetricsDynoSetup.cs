using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Fills <see cref="HerokuMetricsOptions.Dyno"/> from <c>DYNO</c>, so the reporter can stay idle on one-off dynos.
/// </summary>
/// <remarks>
/// Asked the way <see cref="HerokuMetricsEndpointSetup"/> asks for <c>HEROKU_METRICS_URL</c>: the configuration first
/// (hosts load environment variables into it, tests can supply it there), the process environment as the fallback.
/// </remarks>
internal sealed class HerokuMetricsDynoSetup(IConfiguration? configuration) : IPostConfigureOptions<HerokuMetricsOptions>
{
    public void PostConfigure(string? name, HerokuMetricsOptions options) =>
        options.Dyno = configuration?[HerokuMetricsOptions.DynoEnvironmentVariable]
            ?? Environment.GetEnvironmentVariable(HerokuMetricsOptions.DynoEnvironmentVariable);
}
