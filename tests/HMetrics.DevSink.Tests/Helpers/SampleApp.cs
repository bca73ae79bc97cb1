using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HMetrics.DevSink.Tests.Helpers;

/// <summary>
/// The web app sample's real Program, on real Kestrel at 127.0.0.1 with an ephemeral port, on fake time, with its logs
/// captured. Its own appsettings files apply, as with <c>dotnet run</c>.
/// </summary>
internal sealed class SampleApp : WebApplicationFactory<global::Program>
{
    private readonly string _environment;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly SemaphoreSlim _logged = new(0);

    public SampleApp(string environment = "Development", IReadOnlyDictionary<string, string?>? settings = null)
    {
        _environment = environment;
        _settings = settings ?? new Dictionary<string, string?>();
        UseKestrel(static options => options.Listen(IPAddress.Loopback, 0));
    }

    public TestTimeProvider Time { get; } = new();

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>Starts the server and returns a client for it.</summary>
    public HttpClient Start()
    {
        StartServer();
        var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        return client;
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;

    /// <summary>Waits (on a signal) until a record with the given event name has been logged <paramref name="count"/> times.</summary>
    public Task WaitForLogAsync(string eventName, int count = 1) =>
        WaitForAsync(r => r.Id.Name == eventName, $"'{eventName}'", count);

    /// <summary>
    /// Waits (on a signal) for the console line with the charts URL. It is logged from an ApplicationStarted callback
    /// that runs after the one reloading the reporter's endpoint, so the reporter then posts to the bound address.
    /// </summary>
    public async Task<Uri> WaitForChartsUrlAsync()
    {
        var record = await WaitForAsync(static r => r.Message.Contains("Charts: ", StringComparison.Ordinal), "the charts URL", 1);
        return new Uri(record.Message[(record.Message.IndexOf("Charts: ", StringComparison.Ordinal) + 8)..].Trim());
    }

    private async Task<FakeLogRecord> WaitForAsync(Func<FakeLogRecord, bool> predicate, string what, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var matches = Logs.GetSnapshot().Where(predicate).ToList();
            if (matches.Count >= count)
            {
                return matches[count - 1];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} was logged {matches.Count} times, not {count}. Logs:\n" +
                    string.Join('\n', Logs.GetSnapshot().Select(r => $"{r.Level} {r.Category} {r.Id.Name}: {r.Message}")));
            }

            _ = await _logged.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);

        // No background allocations in tests: the reports must come from the timer the test drives.
        builder.UseSetting("Sample:GenerateLoad", "false");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddFilter<FakeLoggerProvider>(null, LogLevel.Trace));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddFakeLogging(options =>
            {
                options.CollectRecordsForDisabledLogLevels = true;
                options.OutputSink = _ => _logged.Release();
            });
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _logged.Dispose();
        }
    }
}
