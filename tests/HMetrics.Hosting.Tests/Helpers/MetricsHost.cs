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
    private const string LibraryCategory = "HMetrics.Hosting";

    /// <summary>The library's default <c>PostInterval</c>, the cadence of every test that does not set one.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(20);

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

    /// <summary>Gets the host's configuration, to change values and <c>Reload()</c> it as a reloadable source would.</summary>
    public IConfigurationRoot Configuration => (IConfigurationRoot)Host.Services.GetRequiredService<IConfiguration>();

    /// <summary>Gets the hosted service itself, e.g. to see whether its execution has ended.</summary>
    internal HerokuMetricsReporter Service => Host.Services.GetRequiredService<HerokuMetricsReporter>();

    /// <summary>Gets every record logged so far under <paramref name="eventName"/>.</summary>
    public IReadOnlyList<FakeLogRecord> Records(string eventName) =>
        Logs.GetSnapshot().Where(r => r.Category == LibraryCategory && r.Id.Name == eventName).ToList();

    /// <summary>Gets the records logged so far at <paramref name="level"/> by the library's category.</summary>
    public IReadOnlyList<FakeLogRecord> LibraryRecords(LogLevel level) =>
        Logs.GetSnapshot().Where(r => r.Category == LibraryCategory && r.Level == level).ToList();

    /// <summary>
    /// Configuration that points the reporter at <paramref name="endpoint"/> through <c>HEROKU_METRICS_URL</c>, as Heroku
    /// does, then sets the <paramref name="extra"/> keys in order (a later value for the same key wins).
    /// </summary>
    public static Dictionary<string, string?> Settings(string endpoint, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["HEROKU_METRICS_URL"] = endpoint };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Configuration that points the reporter at <paramref name="server"/>'s default dyno path, then the <paramref name="extra"/> keys.</summary>
    public static Dictionary<string, string?> Settings(HerokuLikeServer server, params (string Key, string? Value)[] extra) =>
        Settings(server.Url(), extra);

    /// <summary>Builds (but does not start) a host whose <c>HEROKU_METRICS_URL</c> is <paramref name="endpoint"/>, with the <paramref name="extra"/> keys.</summary>
    public static MetricsHost Create(string endpoint, params (string Key, string? Value)[] extra) =>
        Create(Settings(endpoint, extra));

    /// <summary>Builds (but does not start) a host reporting to <paramref name="server"/>, with the <paramref name="extra"/> keys.</summary>
    public static MetricsHost Create(HerokuLikeServer server, params (string Key, string? Value)[] extra) =>
        Create(Settings(server, extra));

    /// <summary>Builds (but does not start) a host.</summary>
    /// <param name="settings">Configuration keys, e.g. <c>HEROKU_METRICS_URL</c> or <c>HerokuMetrics:PostInterval</c>.</param>
    /// <param name="configureServices">Extra registrations, after <c>AddHerokuMetrics</c>.</param>
    /// <param name="time">The fake clock; a new one if null.</param>
    /// <param name="configureServicesFirst">Extra registrations, before <c>AddHerokuMetrics</c>.</param>
    public static MetricsHost Create(
        IDictionary<string, string?> settings,
        Action<IServiceCollection>? configureServices = null,
        TestTimeProvider? time = null,
        Action<IServiceCollection>? configureServicesFirst = null)
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

            // Records are stamped on the fake clock, so a test can tell when (in its timeline) a line was written.
            o.TimeProvider = time;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        configureServicesFirst?.Invoke(builder.Services);
        builder.Services.AddHerokuMetrics();

        // The first sample exactly one interval after the start, so each test's timeline is its own to set; the random
        // phase has tests of its own (StartPhaseTests, SampleScheduleTests).
        builder.Services.AddSingleton(new StartPhase(static () => 0));
        configureServices?.Invoke(builder.Services);
        var host = builder.Build();
        return new MetricsHost(host, time, logged);
    }

    /// <summary>Sets configuration values and reloads, as a reloadable source does when its file changes.</summary>
    public void Reload(params (string Key, string? Value)[] values)
    {
        foreach (var (key, value) in values)
        {
            Configuration[key] = value;
        }

        Configuration.Reload();
    }

    /// <summary>Waits (on a signal) until any of <paramref name="eventNames"/> has been logged.</summary>
    public async Task WaitForAnyLogAsync(params string[] eventNames)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!eventNames.Any(e => Records(e).Count > 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"none of {string.Join(", ", eventNames)} was logged.");
            }

            _ = await _logged.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits (on a signal) until a record with the given event name has been logged <paramref name="count"/> times in all.</summary>
    public async Task<FakeLogRecord> WaitForLogAsync(string eventName, int count = 1, TimeSpan? realTimeout = null)
    {
        var deadline = DateTime.UtcNow + (realTimeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            // The host logs its own "Started" too: only the library's category counts.
            var matches = Records(eventName);
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

    /// <summary>
    /// Waits (on a signal) until records with any of <paramref name="eventNames"/> have been logged <paramref name="count"/>
    /// times in all, and returns the last of them.
    /// </summary>
    public async Task<FakeLogRecord> WaitForLogsAsync(int count, params string[] eventNames)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var matches = Logs.GetSnapshot().Where(r => r.Category == LibraryCategory && eventNames.Contains(r.Id.Name)).ToList();
            if (matches.Count >= count)
            {
                return matches[count - 1];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{string.Join(" or ", eventNames)} was logged {matches.Count} times, not {count}.");
            }

            _ = await _logged.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    public Task StartAsync() => Host.StartAsync();

    /// <summary>
    /// Starts the host and waits until the reporter's first timer, due one interval from now, exists; fake time has not moved.
    /// Waiting for the timer first matters: advancing before it exists would leave it due a whole interval later.
    /// </summary>
    /// <param name="interval">The configured <c>HerokuMetrics:PostInterval</c>; the default 20 s if null.</param>
    public async Task StartAndWaitForFirstTimerAsync(TimeSpan? interval = null)
    {
        await StartAsync();
        await Time.WaitForTimerAsync(interval ?? DefaultInterval);
    }

    /// <summary>
    /// Starts the host and, once the reporter's first timer exists, lets the interval elapse, so the first report is sent.
    /// </summary>
    /// <param name="interval">The configured <c>HerokuMetrics:PostInterval</c>; the default 20 s if null.</param>
    public async Task StartAndSendFirstReportAsync(TimeSpan? interval = null)
    {
        await StartAndWaitForFirstTimerAsync(interval);
        Time.Advance(interval ?? DefaultInterval);
    }

    /// <summary>Starts the host, sends the first report and waits until <paramref name="server"/> got it and it is logged as delivered.</summary>
    public async Task<ReceivedReport> StartAndDeliverFirstReportAsync(HerokuLikeServer server, TimeSpan? interval = null)
    {
        await StartAndSendFirstReportAsync(interval);
        var report = await server.NextAsync();
        await WaitForLogAsync("ReportDelivered");
        return report;
    }

    /// <summary>
    /// Lets one more interval elapse and waits until <paramref name="server"/> got the report and it is logged as the
    /// <paramref name="delivered"/>th delivery so far.
    /// </summary>
    public async Task<ReceivedReport> AdvanceToNextReportAsync(HerokuLikeServer server, int delivered, TimeSpan? interval = null)
    {
        Time.Advance(interval ?? DefaultInterval);
        var report = await server.NextAsync();
        await WaitForLogAsync("ReportDelivered", delivered);
        return report;
    }

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
