using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Step 1 of the options pipeline: binds the <c>HerokuMetrics</c> section and reports its unknown keys.
/// </summary>
/// <remarks>
/// Never throws, whatever the configuration holds: it runs inside the options monitor, so an exception here would escape
/// <c>IConfigurationRoot.Reload()</c> (on a file watcher's thread) and leave <c>CurrentValue</c> throwing. Text the
/// binder cannot convert is recorded on the instance's <see cref="OptionsOrigin"/> for validation to report.
/// </remarks>
internal sealed class SectionBinding(IConfiguration? configuration, UnknownKeyDetector unknownKeys, HerokuMetricsOptionsPipeline pipeline)
    : IConfigureNamedOptions<HerokuMetricsOptions>
{
    public void Configure(HerokuMetricsOptions options) => Configure(Microsoft.Extensions.Options.Options.DefaultName, options);

    public void Configure(string? name, HerokuMetricsOptions options)
    {
        if (configuration is null || name != Microsoft.Extensions.Options.Options.DefaultName)
        {
            return;
        }

        var origin = pipeline.OriginOf(options);
        IConfigurationSection? section = null;
        try
        {
            // Inside the catch: an app's own IConfiguration may fail here already, not only in the binder.
            section = configuration.GetSection(HerokuMetricsOptions.SectionName);
            section.Bind(options);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is FormatException or OverflowException or ArgumentException)
        {
            // The binder failed to convert a value. Its text names the key and the value ("twenty seconds" at
            // HerokuMetrics:PostInterval), never a secret: the endpoint is a string and always converts.
            origin.ConfigurationError =
                $"{ex.Message} Write durations as a time span such as \"00:00:20\", Enabled and FlushOnShutdown as " +
                "true or false, and Schema as Go, DotNet or Both.";
        }
        catch (Exception ex)
        {
            // A configuration provider of the app failed; its message is not ours to quote.
            origin.ConfigurationError = $"The {HerokuMetricsOptions.SectionName} section could not be read ({ex.GetType().Name}).";
        }

        // Where the section is bound, so a misspelt key is reported at start and after every reload, even beside a value
        // that does not convert.
        if (section is not null)
        {
            unknownKeys.Check(section, configuration);
        }
    }
}
