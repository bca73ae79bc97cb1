using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Fails the host's start when <see cref="HerokuMetricsOptions"/> are invalid, with the
/// <see cref="OptionsValidationException"/> <c>ValidateOnStart</c> would give for them.
/// </summary>
/// <remarks>
/// Throws rather than returning a failure: returned, the exception would name <see cref="StartupGate"/>, not the options.
/// </remarks>
internal sealed class StartupGateValidator(IOptionsMonitor<HerokuMetricsOptions> monitor, HerokuMetricsOptionsPipeline pipeline)
    : IValidateOptions<StartupGate>
{
    public ValidateOptionsResult Validate(string? name, StartupGate options)
    {
        // The value the reporter will start with, built (and cached by the monitor) now, before any hosted service starts.
        pipeline.ThrowIfInvalid(monitor.CurrentValue);
        return ValidateOptionsResult.Success;
    }
}
