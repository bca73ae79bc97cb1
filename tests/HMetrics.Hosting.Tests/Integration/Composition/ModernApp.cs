using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Diagnostics;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace HMetrics.Hosting.Tests.Integration.Composition;

/// <summary>
/// What a modern app adds in <c>Program.cs</c>, with the real packages: Aspire's service defaults (service discovery and
/// the standard resilience or hedging handler on every client), extended HTTP client logging, JSON console logging with
/// scopes, and an APM-style handler filter; plus the app's own client to a dependency of its own.
/// </summary>
/// <remarks>
/// The resilience pipelines take their clock from the container (Polly.Extensions reads <see cref="TimeProvider"/>):
/// in <see cref="Helpers.MetricsHost"/> that is the test's fake clock, so one <c>Advance</c> drives the library and the
/// app's retries, hedging delays, timeouts and circuit breaker alike.
/// </remarks>
internal sealed class ModernApp
{
    /// <summary>The name of the app's own client.</summary>
    public const string Dependency = "dependency";

    public RecordingHandlerFilter Filter { get; } = new();

    public JsonConsoleCapture Console { get; private set; } = null!;

    /// <summary>Completes when the app-wide circuit breaker opens.</summary>
    public TaskCompletionSource BreakerOpened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Aspire's <c>ServiceDefaults</c>: <c>AddServiceDiscovery</c>, and <c>ConfigureHttpClientDefaults</c> with the
    /// standard resilience handler (or the standard hedging handler) and service discovery.
    /// </summary>
    public void AddAspireDefaults(IServiceCollection services, bool hedging = false, Action<HttpStandardResilienceOptions>? resilience = null)
    {
        _ = services.AddServiceDiscovery();
        _ = services.ConfigureHttpClientDefaults(http =>
        {
            if (hedging)
            {
                _ = http.AddStandardHedgingHandler();
            }
            else
            {
                _ = http.AddStandardResilienceHandler(o =>
                {
                    resilience?.Invoke(o);
                    o.CircuitBreaker.OnOpened = args =>
                    {
                        _ = BreakerOpened.TrySetResult();
                        return ValueTask.CompletedTask;
                    };
                });
            }

            _ = http.AddServiceDiscovery();
        });
    }

    /// <summary>Extended HTTP client logging, JSON console logging with scopes, and the APM-style filter.</summary>
    /// <remarks>Call it after the defaults: extended logging replaces the loggers of every client, as the app's defaults.</remarks>
    public void AddObservers(IServiceCollection services)
    {
        // No redaction at all: the most an app's HTTP logging can reveal.
        _ = services.AddSingleton<IRedactorProvider>(NullRedactorProvider.Instance);
        _ = services.AddExtendedHttpClientLogging(o =>
        {
            o.LogRequestStart = true;
            o.RequestPathParameterRedactionMode = HttpRouteParameterRedactionMode.None;
        });
        _ = services.AddLogging(logging => logging.AddJsonConsole(o => o.IncludeScopes = true));

        // The JSON formatter without the console: what it writes is kept in memory.
        var console = services.FirstOrDefault(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        if (console is not null)
        {
            _ = services.Remove(console);
        }

        _ = services.AddSingleton<ILoggerProvider>(sp =>
        {
            Console = new JsonConsoleCapture(() => sp.GetServices<ConsoleFormatter>().First(f => f.Name == ConsoleFormatterNames.Json));
            return Console;
        });
        _ = services.AddSingleton<IHttpMessageHandlerBuilderFilter>(Filter);
    }

    /// <summary>The app's own client, to a dependency of its own.</summary>
    public static void AddDependencyClient(IServiceCollection services) => _ = services.AddHttpClient(Dependency);
}
