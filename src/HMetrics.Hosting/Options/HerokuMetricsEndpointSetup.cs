using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Fills <see cref="HerokuMetricsOptions.Endpoint"/> from <c>HEROKU_METRICS_URL</c> when neither the section nor code set it.
/// </summary>
/// <remarks>
/// A post-configure step, so a value set by a user's configure delegate wins whatever the registration order.
/// The configuration is asked first (hosts load environment variables into it, and tests can supply the key there);
/// the process environment is the fallback for hosts that do not.
/// </remarks>
internal sealed class HerokuMetricsEndpointSetup(IConfiguration? configuration) : IPostConfigureOptions<HerokuMetricsOptions>
{
    public void PostConfigure(string? name, HerokuMetricsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return;
        }

        var fromVariable = configuration?[HerokuMetricsOptions.EndpointEnvironmentVariable]
            ?? Environment.GetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable);

        // An explicitly blank HerokuMetrics:Endpoint still yields to the variable; only a missing pair is "not found".
        if (fromVariable is not null || options.Endpoint is null)
        {
            options.Endpoint = fromVariable;
            options.EndpointSource = HerokuMetricsOptions.EndpointEnvironmentVariable;
        }
    }
}
