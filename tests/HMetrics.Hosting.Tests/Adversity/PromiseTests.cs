using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static HMetrics.Hosting.Tests.Adversity.Adversity;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>
/// Promises an outside review broke, each reproduced as it was found: a reload that crashed the process at shutdown and
/// a logging provider that stopped reporting (docs/behaviour.md, "Host safety").
/// </summary>
public sealed class PromiseTests
{
    [Fact]
    public async Task A_reload_to_disabled_with_an_unusable_endpoint_and_back_never_stops_reporting_or_crashes_the_stop()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(Settings(server.Url()));
        _ = await host.StartAndDeliverFirstReportAsync(server);

        // Enabled is decided at start; a running reporter still refuses an endpoint it cannot use, whatever Enabled says.
        host.Reload(("HerokuMetrics:Enabled", "false"), ("HerokuMetrics:Endpoint", "not a url"));
        var ignored = await host.WaitForLogAsync("InvalidOptionsIgnored");
        Assert.DoesNotContain("not a url", ignored.Message, StringComparison.Ordinal);
        host.Reload(("HerokuMetrics:Enabled", "true"), ("HerokuMetrics:Endpoint", server.Url()));

        var report = await host.AdvanceToNextReportAsync(server, 2);
        Assert.Equal(Timeline.At(40), report.Header("Measurements-Time"));

        // At shutdown the flush used to parse the bad endpoint and throw out of StopAsync, killing the process.
        await host.Host.StopAsync();
        _ = await host.WaitForLogAsync("Flushed");
        Assert.Equal(0, Count(host, "UnexpectedError"));
        Assert.Equal(HerokuMetricsState.Stopped, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.State);
    }

    [Fact]
    public async Task A_logging_provider_that_always_throws_costs_the_lines_not_the_reports()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var throwing = new ThrowingLoggerProvider(throwFrom: 0);
        await using var host = MetricsHost.Create(Settings(server.Url()), services => services.AddLogging(b => b.AddProvider(throwing)));

        await host.StartAsync();
        await host.Time.WaitForTimerAsync(Interval);
        host.Time.Advance(Interval);
        _ = await server.NextAsync();

        // The host's other provider still records what the throwing one could not, so the test can follow along.
        _ = await host.WaitForLogAsync("ReportDelivered");

        // A failure, its retry and the recovery all log; every record throws; reporting goes on regardless. The retry
        // waits for Polly's backoff, then (no success paid for an early one) for the next tick.
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        host.Time.Advance(Interval);
        _ = await server.NextAsync();
        _ = await host.WaitForLogAsync("ReportFailed");
        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(Backoff);
        host.Time.AdvanceTo(host.Time.NextTick(Interval), Interval);
        Assert.Equal(Timeline.At(40), (await server.NextAsync()).Header("Measurements-Time"));

        await host.Host.StopAsync();
        Assert.True(throwing.Thrown >= 4, $"the provider threw {throwing.Thrown} times");
        Assert.True(host.Service.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_logging_provider_that_throws_once_at_start_does_not_stop_reporting()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var throwing = new ThrowingLoggerProvider(throwFrom: 0, throwUntil: 1);
        await using var host = MetricsHost.Create(Settings(server.Url()), services => services.AddLogging(b => b.AddProvider(throwing)));

        _ = await host.StartAndDeliverFirstReportAsync(server);
        _ = await host.AdvanceToNextReportAsync(server, 2);

        Assert.Equal(1, throwing.Thrown);
    }


    /// <summary>Throws from the library's category only (the host's own lines must still work), as a full disk would.</summary>
    private sealed class ThrowingLoggerProvider(int throwFrom, int throwUntil = int.MaxValue) : ILoggerProvider
    {
        private readonly int _throwFrom = throwFrom;
        private readonly int _throwUntil = throwUntil;
        private int _records;
        private int _thrown;

        public int Thrown => Volatile.Read(ref _thrown);

        public ILogger CreateLogger(string categoryName) =>
            categoryName == "HMetrics.Hosting" ? new ThrowingLogger(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger(ThrowingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var n = Interlocked.Increment(ref owner._records) - 1;
                if (n >= owner._throwFrom && n < owner._throwUntil)
                {
                    _ = Interlocked.Increment(ref owner._thrown);
                    throw new IOException("No space left on device");
                }
            }
        }
    }
}
