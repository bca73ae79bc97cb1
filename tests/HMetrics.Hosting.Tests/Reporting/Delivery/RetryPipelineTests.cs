using System.Globalization;
using System.Net;
using System.Reflection;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Options;
using Moq;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// What <see cref="RetryPipeline"/> adds to the policy (docs/behaviour.md, "Failures"; the policy's own delays are
/// <see cref="DeliveryRetryTests"/>): Polly's strategy is built at the first failure, never in steady state; that failure
/// is replayed as the execution's first attempt, so Polly computes its delay and reports it like any other; a reload that
/// changes the backoff settings gets a new strategy; and Polly's own delays, where they are in force, are the documented
/// ones.
/// </summary>
public sealed class RetryPipelineTests
{
    private const string Endpoint = "https://metrics.example/metrics/x";

    private readonly TestTimeProvider _time = new();
    private readonly RecordingObserver _observer = new();
    private Action<HerokuMetricsOptions, string?>? _reload;

    // PostInterval below MaxBackoff: Polly's own delay is in force (DeliveryStateMachine.RetryDelay returns null for a
    // retry no success paid for), so the delays below are the strategy's, unchanged.
    private static HerokuMetricsOptions Options(string initialBackoff = "00:00:00.2", string maxBackoff = "00:00:01", string userAgent = "hmetrics-tests") => new()
    {
        Endpoint = Endpoint,
        PostInterval = TimeSpan.FromMilliseconds(500),
        InitialBackoff = TimeSpan.Parse(initialBackoff, CultureInfo.InvariantCulture),
        MaxBackoff = TimeSpan.Parse(maxBackoff, CultureInfo.InvariantCulture),
        BackoffJitter = TimeSpan.Zero,
        UserAgent = userAgent,
    };

    private static ReportFailedException Status500 => new("status 500 (InternalServerError)", "http_5xx", HttpStatusCode.InternalServerError, null);

    private ReporterSettingsSource Source(HerokuMetricsOptions options)
    {
        // A narrow seam: the monitor's current value and its change callback, which the test calls as a reload would.
        var monitor = new Mock<IOptionsMonitor<HerokuMetricsOptions>>();
        monitor.SetupGet(m => m.CurrentValue).Returns(options);
        monitor.Setup(m => m.OnChange(It.IsAny<Action<HerokuMetricsOptions, string?>>()))
            .Callback<Action<HerokuMetricsOptions, string?>>(l => _reload = l)
            .Returns(Mock.Of<IDisposable>());
        Assert.True(ReporterSettings.TryCreate(options, null, out var initial));
        var source = new ReporterSettingsSource(options, initial!, monitor.Object, new HerokuMetricsOptionsPipeline(), SafeLogger.None);
        source.Start();
        return source;
    }

    private RetryPipeline Pipeline(ReporterSettingsSource source) =>
        new(new DeliveryStateMachine(new SampleBacklog(source.Current.PostInterval), _observer, new Random(1)), source, _time, SafeLogger.None);

    /// <summary>
    /// Runs one execution in which the run fails <paramref name="failures"/> times, then ends well; drives fake time
    /// through each of Polly's delays once its timer exists. Returns when each run was called, since the execution began.
    /// </summary>
    private async Task<List<TimeSpan>> ExecuteAsync(RetryPipeline pipeline, Exception? firstFailure, int failures)
    {
        var runs = new List<TimeSpan>();
        var began = _time.Elapsed;
        var execution = pipeline.ExecuteAsync(
            _ =>
            {
                runs.Add(_time.Elapsed - began);
                if (runs.Count <= failures)
                {
                    throw Status500;
                }

                return default;
            },
            firstFailure,
            CancellationToken.None).AsTask();
        // Each retry's delay is a timer on the fake clock: wait for it to exist, then let exactly its time pass. One per
        // failure, the replayed one included.
        for (var retry = 0; retry < failures + (firstFailure is null ? 0 : 1); retry++)
        {
            var delay = await _time.NextTimerAsync();
            _time.Advance(delay);
        }

        await execution;
        return runs;
    }

    [Fact]
    public async Task The_first_failure_is_replayed_as_the_first_attempt_so_Polly_computes_its_delay_and_reports_it()
    {
        var pipeline = Pipeline(Source(Options()));
        var first = new ReportFailedException("no response within 00:00:00.5", "timeout", null, null);

        var runs = await ExecuteAsync(pipeline, first, failures: 4);

        // The failure that happened outside Polly is attempt 1: its retry waits Polly's first delay and is reported with
        // its own class and reason. The run itself is called only for the retries, each after Polly's delay.
        Assert.Equal(("timeout", "no response within 00:00:00.5"), (_observer.Retries[0].Kind, _observer.Retries[0].Reason));
        Assert.All(_observer.Retries.Skip(1), r => Assert.Equal(("http_5xx", "status 500 (InternalServerError)"), (r.Kind, r.Reason)));

        // With jitter off, InitialBackoff 0.2 s and MaxBackoff 1 s give 0.2, 0.4, 0.8, 1.0, 1.0 s, as the contract says.
        Assert.Equal([0.2, 0.4, 0.8, 1.0, 1.0], _observer.Retries.Select(r => r.Delay.TotalSeconds));
        Assert.Equal([0.2, 0.6, 1.4, 2.4, 3.4], runs.Select(r => Math.Round(r.TotalSeconds, 3)));
    }

    [Fact]
    public async Task Without_a_failure_to_replay_the_run_is_the_first_attempt()
    {
        var pipeline = Pipeline(Source(Options()));

        var runs = await ExecuteAsync(pipeline, firstFailure: null, failures: 2);

        Assert.Equal([0, 0.2, 0.6], runs.Select(r => Math.Round(r.TotalSeconds, 3)));
        Assert.Equal([0.2, 0.4], _observer.Retries.Select(r => r.Delay.TotalSeconds));
    }

    [Fact]
    public async Task A_strategy_is_built_at_the_first_execution_and_rebuilt_only_when_a_reload_changes_the_backoff()
    {
        var source = Source(Options());
        var pipeline = Pipeline(source);
        Assert.False(pipeline.Serves(source.Current));

        _ = await ExecuteAsync(pipeline, Status500, failures: 0);
        Assert.True(pipeline.Serves(source.Current));

        // A change that leaves the backoff alone: the strategy serves the new settings as they are.
        var before = source.Current;
        _reload!(Options(userAgent: "my-app/2.0"), Microsoft.Extensions.Options.Options.DefaultName);
        Assert.NotSame(before, source.Current);
        Assert.True(pipeline.Serves(source.Current));

        // A new initial backoff and cap: the strategy no longer serves them, and the next execution gets one that does.
        _reload(Options(initialBackoff: "00:00:00.3", maxBackoff: "00:00:00.7"), Microsoft.Extensions.Options.Options.DefaultName);
        Assert.False(pipeline.Serves(source.Current));
        _observer.Retries.Clear();
        var runs = await ExecuteAsync(pipeline, Status500, failures: 2);
        Assert.True(pipeline.Serves(source.Current));
        Assert.Equal([0.3, 0.6, 0.7], _observer.Retries.Select(r => r.Delay.TotalSeconds));
        Assert.Equal([0.3, 0.9, 1.6], runs.Select(r => Math.Round(r.TotalSeconds, 3)));

        // Jitter switched on is a change of the backoff too.
        var jitter = Options(initialBackoff: "00:00:00.3", maxBackoff: "00:00:00.7");
        jitter.BackoffJitter = TimeSpan.FromMilliseconds(100);
        _reload(jitter, Microsoft.Extensions.Options.Options.DefaultName);
        Assert.False(pipeline.Serves(source.Current));
    }

    [Fact]
    public async Task Through_the_host_nothing_of_Polly_is_built_in_steady_state_and_the_first_failure_builds_it()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"));
        var interval = MetricsHost.DefaultInterval;

        _ = await host.StartAndDeliverFirstReportAsync(server);
        for (var delivered = 2; delivered <= 4; delivered++)
        {
            _ = await host.AdvanceToNextReportAsync(server, delivered);
        }

        var delivery = Inner<DeliveryLoop>(Inner<ActiveParts>(host.Service));
        Assert.Null(InnerOrNull<RetryPipeline>(delivery));

        // The first failure is the steady path's own (outside Polly); it is replayed into the new strategy, whose
        // callback logs it as attempt 1 with the delay the retry budget set: the wait for the next tick.
        server.RespondWithStatus(HttpStatusCode.InternalServerError);
        host.Time.Advance(interval);
        _ = await server.NextAsync();
        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Equal("1", failed.GetStructuredStateValue("Attempt"));
        Assert.Equal(Seconds(20).ToString(), failed.GetStructuredStateValue("Delay"));
        Assert.NotNull(InnerOrNull<RetryPipeline>(delivery));
    }

    // The reporter's parts are private: found by type, one level at a time, so a renamed field does not break the test.
    private static object? InnerOrNull<T>(object owner) =>
        owner.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .Single(f => f.FieldType == typeof(T))
            .GetValue(owner);

    private static object Inner<T>(object owner) => InnerOrNull<T>(owner) ?? throw new InvalidOperationException($"no {typeof(T).Name} yet");
}
