using System.Net;
using Microsoft.Extensions.Time.Testing;
using Polly;

namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>The delays Polly computes from the options: the policy is Polly's own, not a hand-written schedule.</summary>
public sealed class DeliveryRetryTests
{
    private static ReporterSettings Settings(string initial, string max, string jitter = "00:00:00")
    {
        var options = new HerokuMetricsOptions
        {
            Endpoint = "https://metrics.example/metrics/x",
            InitialBackoff = TimeSpan.Parse(initial, System.Globalization.CultureInfo.InvariantCulture),
            MaxBackoff = TimeSpan.Parse(max, System.Globalization.CultureInfo.InvariantCulture),
            BackoffJitter = TimeSpan.Parse(jitter, System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.True(ReporterSettings.TryCreate(options, null, out var settings));
        return settings!;
    }

    /// <summary>Runs an always-failing callback under the policy on fake time and returns the first delays Polly chose.</summary>
    private static async Task<List<TimeSpan>> DelaysAsync(ReporterSettings settings, int count, Func<Exception>? failure = null)
    {
        var delays = new List<TimeSpan>();
        var time = new FakeTimeProvider();
        using var cts = new CancellationTokenSource();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(DeliveryRetry.Create(settings, static () => null, args =>
            {
                delays.Add(args.RetryDelay);
                if (delays.Count == count)
                {
                    cts.Cancel();
                }

                return default;
            }))
            .Build();

        var run = pipeline.ExecuteAsync(_ => throw (failure?.Invoke() ?? new ReportFailedException("status 500", "http_5xx", HttpStatusCode.InternalServerError, null)), cts.Token).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Yield();
        }

        Assert.Equal(count, delays.Count);
        return delays;
    }

    [Fact]
    public async Task Without_jitter_delays_double_from_the_initial_backoff_and_stay_at_the_cap()
    {
        var delays = await DelaysAsync(Settings("00:00:00.2", "00:00:01"), 7);

        Assert.Equal(new[] { 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0 }, delays.Select(d => Math.Round(d.TotalSeconds, 3)));
    }

    [Fact]
    public async Task Thousands_of_attempts_never_overflow_and_stay_at_the_cap()
    {
        var delays = await DelaysAsync(Settings("00:00:00.2", "00:00:01"), 2000);

        Assert.All(delays.Skip(3), d => Assert.Equal(TimeSpan.FromSeconds(1), d));
    }

    [Fact]
    public async Task With_jitter_delays_vary_but_never_exceed_the_cap()
    {
        var delays = await DelaysAsync(Settings("00:00:00.2", "00:01:00", jitter: "00:00:00.5"), 200);
        var again = await DelaysAsync(Settings("00:00:00.2", "00:01:00", jitter: "00:00:00.5"), 8);

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromMinutes(1)));

        // Polly's decorrelated jitter: the climb differs from the exact doubling and from one execution to the next.
        Assert.NotEqual(new[] { 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6 }, delays.Take(8).Select(d => Math.Round(d.TotalSeconds, 3)));
        Assert.NotEqual(delays.Take(8), again);
    }

    [Fact]
    public async Task A_retry_after_replaces_the_computed_delay_and_is_capped_at_max_backoff()
    {
        var delays = await DelaysAsync(
            Settings("00:00:00.2", "00:00:01"),
            2,
            () => new ReportFailedException("status 429", "http_4xx", HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(5)));

        Assert.Equal(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) }, delays);
    }

    [Fact]
    public async Task A_short_retry_after_is_waited_as_asked()
    {
        var delays = await DelaysAsync(
            Settings("00:00:00.2", "00:00:01"),
            1,
            () => new ReportFailedException("status 503", "http_5xx", HttpStatusCode.ServiceUnavailable, TimeSpan.FromMilliseconds(700)));

        Assert.Equal(TimeSpan.FromMilliseconds(700), delays[0]);
    }
}
