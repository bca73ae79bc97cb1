using System.Diagnostics;
using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Hostile;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// One host of a run (a <see cref="MetricsHost"/> built from a <see cref="HostPlan"/>), with the hostile parts the
/// scenario gives it, driven by the run: start, reload, stop.
/// </summary>
internal sealed class ChaosHost : IAsyncDisposable
{
    /// <summary>The host's shutdown timeout: a stop that reaches it waited for something that never came.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(8);

    /// <summary>How long (real time) a new host's delivery loop may take to send the sample it holds: activation takes milliseconds.</summary>
    public static readonly TimeSpan FirstSendGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The library client's handler lifetime (real time): short, so the client factory lets go of a disposed host's
    /// handlers within seconds (after their lifetime and its 10-second cleanup tick) rather than the default 2 minutes.
    /// </summary>
    public static readonly TimeSpan HandlerLifetime = TimeSpan.FromSeconds(2);

    private readonly HostPlan _plan;
    private readonly RunEndpoint _endpoint;
    private readonly AttemptTracker _tracker;
    private readonly List<string> _failures = [];
    private readonly MetricsHost _host;
    private readonly ChaosLoggerProvider? _logging;
    private Stopwatch? _awaitingSince;
    private volatile bool _stopping;
    private bool _started;
    private TimeSpan? _stopDuration;
    private HerokuMetricsStatus? _status;
    private IReadOnlyList<string> _health = [];

    public ChaosHost(string name, HostPlan plan, RunContext run)
    {
        Name = name;
        _plan = plan;
        _endpoint = run.Endpoint;
        _tracker = run.Tracker;

        var userInfo = run.Scenario.EndpointUserInfo is { } info ? info + "@" : string.Empty;
        var url = $"{(plan.Proxied ? "https" : "http")}://{userInfo}127.0.0.1:{run.ServerPort}{run.Scenario.Path}";
        var settings = MetricsHost.Settings(url, [.. plan.Settings()]);
        var calls = plan.Handlers.Select(_ => new long[1]).ToArray();
        var logging = _logging = run.Scenario.Logging is { } loggingPlan ? new ChaosLoggerProvider(loggingPlan, run.Holds) : null;
        _host = MetricsHost.Create(settings, services =>
        {
            _ = services.AddSingleton<TimeProvider>(run.Clock);
            _ = services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
            _ = services.AddHealthChecks().AddHerokuMetrics();
            if (logging is { } provider)
            {
                if (provider.Plan.First)
                {
                    services.Insert(0, ServiceDescriptor.Singleton<ILoggerProvider>(provider));
                }
                else
                {
                    _ = services.AddSingleton<ILoggerProvider>(provider);
                }
            }

            var client = services.AddHerokuMetrics()
                .SetHandlerLifetime(HandlerLifetime)
                .AddHttpMessageHandler(() => new AttemptObserver(name, run.Tracker, run.Clock));
            for (var i = 0; i < plan.Handlers.Count; i++)
            {
                var handler = plan.Handlers[i];
                var counter = calls[i];
                _ = client.AddHttpMessageHandler(() => new HostileHandler(
                    handler,
                    () => Interlocked.Increment(ref counter[0]) - 1,
                    run.Tracker,
                    run.Clock,
                    () => _stopping,
                    run.Endpoint.Resolve));
            }

            if (plan.Proxied)
            {
                var proxy = run.Proxy.Url(run.Scenario.ProxyUser, run.Scenario.ProxyPassword);
                _ = client.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { Proxy = new WebProxy(proxy), UseProxy = true });
            }
        });
    }

    public string Name { get; }

    public bool Running => _started && _stopDuration is null;

    /// <summary>
    /// Gets whether the reporter has made its decision at start: it reports (its sampler exists) or idles, or its
    /// execution has ended, or the host never started, or a hostile sink holds its activation for fake time. Activation
    /// runs on the thread pool after the host has started.
    /// </summary>
    public bool Activated =>
        !_started || Reporter()?.ExecuteTask is not { IsCompleted: false } || Status().State != HerokuMetricsState.NotStarted
        || _logging?.Holding == true;

    /// <summary>
    /// Gets whether the reporter holds a sample but has sent nothing yet: its delivery loop is still on its way from
    /// activation, on the thread pool, where the run cannot follow it, and fake time must not move on until it arrives, or
    /// it would decide on a time that has since passed. From its first POST on, the loop runs inline in the run's steps
    /// and in the answers' completions, which the run follows.
    /// </summary>
    /// <remarks>
    /// A loop that failed before its first POST (and waits on a timer) sends nothing: after <see cref="FirstSendGrace"/>
    /// of real time the host no longer counts as on its way.
    /// </remarks>
    public bool AwaitingFirstSend
    {
        get
        {
            var awaiting = Running && Activated && !_tracker.HasSent(Name) && _logging?.Holding != true
                && Reporter()?.ExecuteTask is { IsCompleted: false }
                && Status().Backlog > 0;
            if (!awaiting)
            {
                _awaitingSince = null;
                return false;
            }

            _awaitingSince ??= Stopwatch.StartNew();
            return _awaitingSince.Elapsed < FirstSendGrace;
        }
    }

    public async Task StartAsync()
    {
        try
        {
            await _host.StartAsync();
            _started = true;
        }
        catch (Exception ex)
        {
            _failures.Add("StartAsync threw (the host does not start): " + ex);
        }
    }

    /// <summary>Sets configuration keys and reloads, as a reloadable source does when its file changes.</summary>
    public void Reload(IReadOnlyList<(string Key, string? Value)> settings)
    {
        try
        {
            _host.Reload([.. settings]);
        }
        catch (Exception ex)
        {
            // From a file watcher's thread this would end the process.
            _failures.Add("IConfigurationRoot.Reload() threw: " + ex);
        }
    }

    /// <summary>Stops the host as the app's shutdown does, and reads its status and health afterwards.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        _endpoint.Stopping(true);
        var clock = Stopwatch.StartNew();
        try
        {
            await _host.Host.StopAsync();
        }
        catch (Exception ex)
        {
            _failures.Add("StopAsync threw: " + ex);
        }
        finally
        {
            _stopDuration = clock.Elapsed;
            _endpoint.Stopping(false);
            _stopping = false;
        }

        _status = Status();
        try
        {
            var report = await _host.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            _health = [.. report.Entries.SelectMany(e => new[] { e.Value.Description ?? string.Empty, e.Value.Exception?.ToString() ?? string.Empty }
                .Concat(e.Value.Data.Select(d => d.Key + "=" + Convert.ToString(d.Value, CultureInfo.InvariantCulture))))];
        }
        catch (Exception ex)
        {
            _failures.Add("the health check threw: " + ex);
        }
    }

    public HostEvidence Evidence() => new(
        Name,
        _plan,
        [.. _host.Logs.GetSnapshot().Select(Line)],
        [.. _failures],
        _stopDuration,
        _status is { } s ? $"{s.State} idle '{s.IdleReason}' last success {s.LastSuccess} failures {s.ConsecutiveFailures} since {s.FailingSince} last failure '{s.LastFailure}' backlog {s.Backlog} dropped {s.DroppedSamples}" : null,
        _status?.DroppedSamples ?? 0,
        _status?.Backlog ?? 0,
        _health,
        _started && _status?.State != HerokuMetricsState.NotStarted);

    /// <summary>Gets the disposed host's service provider, weakly: alive long after disposal means something still holds the host.</summary>
    public WeakReference? Disposed { get; private set; }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Disposed = new WeakReference(_host.Host.Services);
            _host.Host.Dispose();
        }
        catch (Exception ex)
        {
            _failures.Add("disposing the host threw: " + ex);
        }

        await Task.CompletedTask;
    }

    private HerokuMetricsStatus Status() => _host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current;

    private BackgroundService? Reporter() =>
        _host.Host.Services.GetServices<IHostedService>().OfType<HerokuMetricsReporter>().FirstOrDefault();

    private static LogLine Line(FakeLogRecord record) => new(
        record.Level,
        record.Category ?? string.Empty,
        record.Id.Name,
        record.Message,
        record.Exception?.ToString(),
        [.. (record.StructuredState ?? []).SelectMany(p => new[] { p.Key, p.Value ?? string.Empty })]);
}
