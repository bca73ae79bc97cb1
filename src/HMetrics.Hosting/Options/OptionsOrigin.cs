using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// What the pipeline learnt while it built one <see cref="HerokuMetricsOptions"/> instance: where the endpoint came
/// from, the dyno, and what went wrong on the way. Attached to the instance by <see cref="HerokuMetricsOptionsPipeline"/>.
/// </summary>
/// <remarks>
/// Kept beside the options rather than on them: the public class holds only what a user sets. Written by the steps
/// while the options factory builds the instance, on its thread; read only after the monitor has published it.
/// </remarks>
internal sealed class OptionsOrigin
{
    /// <summary>The setting named when the endpoint is wrong, empty or missing.</summary>
    public const string EndpointSetting = HerokuMetricsOptions.SectionName + ":Endpoint";

    private ValidateOptionsResult? _validation;

    /// <summary>Gets or sets where <see cref="HerokuMetricsOptions.Endpoint"/> came from, for log lines and validation messages.</summary>
    public string EndpointSource { get; set; } = EndpointSetting;

    /// <summary>Gets or sets the dyno name from <c>DYNO</c>; null outside Heroku.</summary>
    public string? Dyno { get; set; }

    /// <summary>
    /// Gets or sets why the configuration could not be read (text the binder cannot convert), for validation to report:
    /// thrown from a configure step, the same error would escape a configuration reload on a file watcher's thread.
    /// </summary>
    public string? ConfigurationError { get; set; }

    /// <summary>Gets or sets what an app's configure delegate threw; rethrown at start, reported as invalid after.</summary>
    public Exception? ConfigureFailure { get; set; }

    /// <summary>
    /// Gets whether <see cref="Dyno"/> names a one-off dyno: <c>run.N</c> (<c>heroku run</c>), <c>release.N</c>
    /// (release phase) or <c>scheduler.N</c> (Heroku Scheduler).
    /// </summary>
    public bool IsOneOffDyno =>
        Dyno is { } dyno
        && (dyno.StartsWith("run.", StringComparison.Ordinal)
            || dyno.StartsWith("release.", StringComparison.Ordinal)
            || dyno.StartsWith("scheduler.", StringComparison.Ordinal));

    /// <summary>Gets the validation result of the instance, computed once: each change is validated exactly once.</summary>
    public ValidateOptionsResult Validation(HerokuMetricsOptions options) =>
        _validation ??= HerokuMetricsOptionsValidator.Validate(options, this);
}
