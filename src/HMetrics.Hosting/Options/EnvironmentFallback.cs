using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Step 3 of the options pipeline: <c>HEROKU_METRICS_URL</c> when neither the section nor code set an endpoint, and
/// <c>DYNO</c>, each asked with one rule: the configuration first, then the process environment.
/// </summary>
/// <remarks>
/// A post-configure step, so an endpoint set by an app's configure delegate wins whatever the registration order. The
/// configuration comes first because hosts load environment variables into it and tests can supply a key there; the
/// process environment is the fallback for hosts that do not. Never throws: a configuration that cannot be read counts
/// as not set, and the failure is recorded for validation to report.
/// </remarks>
internal sealed class EnvironmentFallback(IConfiguration? configuration, HerokuMetricsOptionsPipeline pipeline)
    : IPostConfigureOptions<HerokuMetricsOptions>
{
    /// <summary>The variable naming the dyno; one-off dynos are named <c>run.N</c>, <c>release.N</c>, <c>scheduler.N</c>.</summary>
    public const string DynoVariable = "DYNO";

    public void PostConfigure(string? name, HerokuMetricsOptions options)
    {
        var origin = pipeline.OriginOf(options);
        origin.Dyno = Read(DynoVariable, origin);
        if (!string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return;
        }

        var fromVariable = Read(HerokuMetricsOptions.EndpointEnvironmentVariable, origin);

        // An explicitly blank HerokuMetrics:Endpoint still yields to the variable; only a missing pair is "not found".
        if (fromVariable is not null || options.Endpoint is null)
        {
            options.Endpoint = fromVariable;
            origin.EndpointSource = HerokuMetricsOptions.EndpointEnvironmentVariable;
        }
    }

    private string? Read(string variable, OptionsOrigin origin)
    {
        try
        {
            return configuration?[variable] ?? Environment.GetEnvironmentVariable(variable);
        }
        catch (Exception ex)
        {
            origin.ConfigurationError ??= $"{variable} could not be read ({ex.GetType().Name}).";
            return null;
        }
    }
}
