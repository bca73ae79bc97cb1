using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// How options flow, from configuration to what the reporter reads, one step per type of this folder, in order:
/// <list type="number">
/// <item><see cref="SectionBinding"/> binds the <c>HerokuMetrics</c> section and warns about unknown keys
/// (<see cref="UnknownKeyDetector"/>); text it cannot convert is recorded, not thrown.</item>
/// <item><see cref="GuardedConfigure"/> runs each delegate passed to <c>AddHerokuMetrics</c>; what it throws is recorded.</item>
/// <item><see cref="EnvironmentFallback"/> fills <c>HEROKU_METRICS_URL</c> (when no endpoint was set) and <c>DYNO</c>:
/// the configuration first, then the process environment.</item>
/// <item><see cref="HerokuMetricsOptionsValidator"/> holds every rule; <see cref="Check"/> applies it once per instance.</item>
/// <item><see cref="StartupGate"/>, validated on start, fails the host with an <see cref="OptionsValidationException"/>
/// naming the setting, before any hosted service starts.</item>
/// <item><see cref="ReporterSettings"/> is the immutable snapshot the reporter reads: the endpoint parsed, the timeout
/// capped, every derived value.</item>
/// <item><see cref="ReporterSettingsSource"/> follows each change after start: validated and made into settings once; an
/// invalid change is logged and ignored, one that changes a setting is logged with old and new values and raised.</item>
/// </list>
/// Steps 1–3 run inside <see cref="IOptionsMonitor{TOptions}"/>, on whatever thread reloaded the configuration, and never
/// throw; the monitored options have no validator that fails, so <c>CurrentValue</c> and <c>Reload()</c> never throw.
/// </summary>
/// <remarks>
/// One per host (a singleton), so two hosts in a process share nothing. What the steps learn about an instance
/// (<see cref="OptionsOrigin"/>) is attached to it here, weakly: an instance the monitor has replaced takes its origin
/// with it.
/// </remarks>
internal sealed class HerokuMetricsOptionsPipeline
{
    private readonly ConditionalWeakTable<HerokuMetricsOptions, OptionsOrigin> _origins = [];

    /// <summary>Registers the steps, in the order they run.</summary>
    public static void Register(IServiceCollection services)
    {
        _ = services.AddSingleton<HerokuMetricsOptionsPipeline>();
        _ = services.AddSingleton<UnknownKeyDetector>();
        _ = services.AddOptions<HerokuMetricsOptions>();
        _ = services.AddSingleton<IConfigureOptions<HerokuMetricsOptions>>(static sp => new SectionBinding(
            sp.GetService<IConfiguration>(),
            sp.GetRequiredService<UnknownKeyDetector>(),
            sp.GetRequiredService<HerokuMetricsOptionsPipeline>()));
        _ = services.AddSingleton<IPostConfigureOptions<HerokuMetricsOptions>>(static sp => new EnvironmentFallback(
            sp.GetService<IConfiguration>(),
            sp.GetRequiredService<HerokuMetricsOptionsPipeline>()));
        _ = services.AddSingleton<IOptionsChangeTokenSource<HerokuMetricsOptions>>(
            static sp => new ConfigurationChangeTokenSource<HerokuMetricsOptions>(sp.GetRequiredService<IConfiguration>()));
        _ = services.AddOptionsWithValidateOnStart<StartupGate>();
        _ = services.AddSingleton<IValidateOptions<StartupGate>, StartupGateValidator>();
    }

    /// <summary>Adds step 2 for <paramref name="configure"/>, after the steps already registered.</summary>
    public static void AddConfigure(IServiceCollection services, Action<HerokuMetricsOptions> configure) =>
        _ = services.AddSingleton<IConfigureOptions<HerokuMetricsOptions>>(
            sp => new GuardedConfigure(configure, sp.GetRequiredService<HerokuMetricsOptionsPipeline>()));

    /// <summary>Gets what the pipeline learnt while building <paramref name="options"/>; defaults for an instance it did not build.</summary>
    public OptionsOrigin OriginOf(HerokuMetricsOptions options) => _origins.GetValue(options, static _ => new OptionsOrigin());

    /// <summary>Validates <paramref name="options"/>, once per instance; never throws.</summary>
    public ValidateOptionsResult Check(HerokuMetricsOptions options)
    {
        try
        {
            return OriginOf(options).Validation(options);
        }
        catch (Exception ex)
        {
            // Nothing in the rules should throw; if something does, the options are refused rather than the caller broken.
            return ValidateOptionsResult.Fail($"{HerokuMetricsOptions.SectionName} options could not be validated ({ex.GetType().Name}).");
        }
    }

    /// <summary>
    /// On the start path only: throws what an app's configure delegate threw, else an
    /// <see cref="OptionsValidationException"/> for <see cref="HerokuMetricsOptions"/> naming every broken rule.
    /// </summary>
    public void ThrowIfInvalid(HerokuMetricsOptions options)
    {
        if (OriginOf(options).ConfigureFailure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        var result = Check(options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(HerokuMetricsOptions), result.Failures);
        }
    }
}
