using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Runs the validator at start-up (ValidateOnStart) and hands validation of later reloads to the reporter.
/// </summary>
/// <remarks>
/// A validator that fails inside <see cref="IOptionsMonitor{TOptions}"/> throws out of the configuration reload
/// callback — on a file watcher's thread, where it can take the whole app down. Once the reporter has started it calls
/// <see cref="StopThrowing"/>; from then on it checks each new options instance itself with <see cref="Check"/>, logs
/// an invalid one and keeps the last valid values.
/// </remarks>
internal sealed class HerokuMetricsOptionsReloadGuard : IValidateOptions<HerokuMetricsOptions>
{
    private readonly HerokuMetricsOptionsValidator _rules = new();
    private volatile bool _throwing = true;

    public void StopThrowing() => _throwing = false;

    public ValidateOptionsResult Validate(string? name, HerokuMetricsOptions options) =>
        _throwing ? Check(name, options) : ValidateOptionsResult.Skip;

    public ValidateOptionsResult Check(string? name, HerokuMetricsOptions options) => _rules.Validate(name, options);
}
