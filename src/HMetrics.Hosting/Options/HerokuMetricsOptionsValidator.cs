using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Options;

/// <summary>
/// Checks the data-annotation rules of <see cref="HerokuMetricsOptions"/> without reflection.
/// </summary>
[OptionsValidator]
internal sealed partial class HerokuMetricsOptionsValidator : IValidateOptions<HerokuMetricsOptions>
{
}
