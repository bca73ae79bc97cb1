using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Step 2 of the options pipeline: a configure delegate passed to <c>AddHerokuMetrics</c>, run after the section is
/// bound; what it throws is recorded on the instance's <see cref="OptionsOrigin"/>, not thrown.
/// </summary>
/// <remarks>
/// The delegate is the app's code and runs again on every reload, inside the options monitor: thrown there, its
/// exception would escape the configuration reload on a file watcher's thread. At start
/// <see cref="HerokuMetricsOptionsPipeline.ThrowIfInvalid"/> rethrows it, so the host fails with the app's own
/// exception as before; after start the change is ignored as invalid.
/// </remarks>
internal sealed class GuardedConfigure(Action<HerokuMetricsOptions> configure, HerokuMetricsOptionsPipeline pipeline)
    : IConfigureNamedOptions<HerokuMetricsOptions>
{
    public void Configure(HerokuMetricsOptions options) => Configure(Microsoft.Extensions.Options.Options.DefaultName, options);

    public void Configure(string? name, HerokuMetricsOptions options)
    {
        if (name != Microsoft.Extensions.Options.Options.DefaultName)
        {
            return;
        }

        try
        {
            configure(options);
        }
        catch (Exception ex)
        {
            var origin = pipeline.OriginOf(options);
            origin.ConfigureFailure ??= ex;
        }
    }
}
