using HMetrics.DevSink;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers the services of the Heroku metrics dev sink.</summary>
    public static class DevSinkServiceCollectionExtensions
    {
        /// <summary>Adds the sink's in-memory store and fault injector; mount its endpoints with <c>MapHerokuMetricsDevSink</c>.</summary>
        public static IServiceCollection AddHerokuMetricsDevSink(this IServiceCollection services, Action<DevSinkOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(services);
            _ = services.AddOptions<DevSinkOptions>();
            if (configure is not null)
            {
                _ = services.Configure(configure);
            }

            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<ReportStore>();
            services.TryAddSingleton<FaultInjector>();
            return services;
        }
    }
}

namespace Microsoft.AspNetCore.Builder
{
    /// <summary>Mounts the Heroku metrics dev sink.</summary>
    public static class DevSinkEndpointRouteBuilderExtensions
    {
        /// <summary>
        /// Maps, under <paramref name="prefix"/>: <c>POST metrics/{dyno}</c> (the Heroku-like endpoint), the charts page
        /// at <c>/</c>, <c>GET api/data</c> (chart data) and <c>GET|PUT|DELETE api/faults</c> (fault injection).
        /// </summary>
        public static RouteGroupBuilder MapHerokuMetricsDevSink(this IEndpointRouteBuilder endpoints, string prefix = "/_hmetrics")
        {
            ArgumentNullException.ThrowIfNull(endpoints);
            ArgumentNullException.ThrowIfNull(prefix);
            return DevSinkEndpoints.Map(endpoints, prefix);
        }
    }
}
