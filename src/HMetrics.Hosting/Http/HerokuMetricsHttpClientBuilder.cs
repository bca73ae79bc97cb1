using Microsoft.Extensions.DependencyInjection;

namespace HMetrics.Hosting.Http;

/// <summary>
/// The builder handed back by a repeated <c>AddHerokuMetrics</c> call: it names the existing client and registers nothing.
/// </summary>
internal sealed class HerokuMetricsHttpClientBuilder(IServiceCollection services) : IHttpClientBuilder
{
    public string Name => HerokuMetricsClient.Name;

    public IServiceCollection Services { get; } = services;
}
