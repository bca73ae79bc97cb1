using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// A generic host with <c>AddHerokuMetrics</c>, configured in memory, on fake time, logging at Trace into memory.
/// </summary>
internal sealed class MetricsHost : IAsyncDisposable
{
    private readonly SemaphoreSlim _logged;

    private MetricsHost(IHost host, TestTimeProvider time, SemaphoreSlim logged)
    {
        _logged = logged;
        Host = host;
        Time = time;
        Logs = host.Services.GetFakeLogCollector();
    }

    public IHost Host { get; }

    public TestTimeProvider Time { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>Builds (but does not start) a host.</summary>
    /// <param name="settings">Configuration keys, e.g. <c>HEROKU_METRICS_URL</c> or <c>HerokuMetrics:PostInterval</c>.</param>
    /// <param name="configureServices">Extra registrations, after <c>AddHerokuMetrics</c>.</param>
    public static MetricsHost Create(
        IDictionary<string, string?> settings,
        Action<IServiceCollection>? configureServices = null,
        TestTimeProvider? time = null)
    {
        time ??= new TestTimeProvider();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(time);
        var logged = new SemaphoreSlim(0);
        builder.Services.AddFakeLogging(o =>
        {
            o.CollectRecordsForDisabledLogLevels = true;
            o.OutputSink = _ => logged.Release();
        });
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddHerokuMetrics();
        configureServices?.Invoke(builder.Services);
        var host = builder.Build();
        return new MetricsHost(host, time, logged);
    }

    /// <summary>Waits (on a signal) until a record with the given event name has been logged <paramref name="count"/> times in all.</summary>
    public async Task<FakeLogRecord> WaitForLogAsync(string eventName, int count = 1, TimeSpan? realTimeout = null)
    {
        var deadline = DateTime.UtcNow + (realTimeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var matches = Logs.GetSnapshot().Where(r => r.Id.Name == eventName).ToList();
            if (matches.Count >= count)
            {
                return matches[count - 1];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{eventName}' was logged {matches.Count} times, not {count}. Logs:\n" +
                    string.Join('\n', Logs.GetSnapshot().Select(r => $"{r.Level} {r.Id.Name}: {r.Message}")));
            }

            _ = await _logged.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    public Task StartAsync() => Host.StartAsync();

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await Host.StopAsync(cts.Token);
        }
        finally
        {
            Host.Dispose();
        }
    }
}
