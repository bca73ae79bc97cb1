using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>
/// Issue 18, "Stale samples", and item 3: a sample's age is measured on the steady clock, after any wait and any reload,
/// and nothing older than <see cref="SampleBacklog.MaxAge"/> is ever POSTed; the wall clock only stamps
/// <c>Measurements-Time</c> when a sample is taken.
/// </summary>
/// <remarks>
/// Each test runs the same outage on fake time: a report at 20 s, then the endpoint fails from 40 s and Polly retries
/// every minute (40, 100, 160, 220 s) until it answers again at 280 s. By then the samples of 40 and 60 s are older than
/// 3 min 30 s and are dropped; the one of 80 s (200 s old) is the recovery, and the backlog drains from there.
/// </remarks>
public sealed class SteadyClockAgeTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Backoff = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RecoveryAt = TimeSpan.FromSeconds(280);

    private readonly ConcurrentQueue<Post> _posts = new();
    private int _answer = (int)HttpStatusCode.OK;

    [Fact]
    public async Task A_reload_to_a_much_longer_interval_during_a_drain_posts_nothing_older_than_the_window_and_drains_what_is_deliverable()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(Settings(server));

        await OutageAsync(host, server, jumps: []);
        var rampIn = DrainPacer.RampInGap(Interval);
        await host.Time.WaitForTimerAsync(rampIn);
        host.Time.AdvanceTo(RecoveryAt + rampIn, Interval);
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered", 3);

        // Mid-drain, nine samples waiting: 20 s → 5 min. The ring shrinks to two slots, the next sample is due 5 min after
        // the last one (at 580 s), and the waiting samples keep the pace of the interval they were taken at.
        host.Reload(("HerokuMetrics:PostInterval", "00:05:00"));
        await host.WaitForLogAsync("SettingsChanged");
        var calm = DrainPacer.CalmGap(Interval);
        for (var drained = 1; drained <= 9; drained++)
        {
            await host.Time.WaitForTimerAsync(calm);
            host.Time.AdvanceTo(host.Time.Elapsed + calm, Interval);
            _ = await server.NextAsync();
            await host.WaitForLogAsync("ReportDelivered", 3 + drained);
        }

        // The first sample at the new interval still closes the drain at its calm pace (a share of 5 min, from the last
        // POST); the next goes out when taken.
        host.Time.AdvanceTo(TimeSpan.FromSeconds(580), Interval);
        var pace = await host.Time.NextTimerAsync(d => d != TimeSpan.FromMinutes(5));
        host.Time.AdvanceTo(host.Time.Elapsed + pace, Interval);
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered", 13);
        host.Time.AdvanceTo(TimeSpan.FromSeconds(880), Interval);
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered", 14);

        // No wall-clock jump here: a sample's steady time is its Measurements-Time since the start.
        var delivered = _posts.Where(p => p.Status == 200).ToList();
        Assert.All(delivered, p =>
        {
            var age = p.ReceivedAt - (DateTimeOffset.Parse(p.MeasuredAt, CultureInfo.InvariantCulture) - host.Time.Start);
            Assert.True(age <= SampleBacklog.MaxAge, $"{p.MeasuredAt} posted {age} after it was taken");
        });
        Assert.Equal(
            new[] { 20, 80, 100, 120, 140, 160, 180, 200, 220, 240, 260, 280, 580, 880 }.Select(t => Wall(host, t, TimeSpan.Zero)),
            delivered.Select(p => p.MeasuredAt));
        Assert.Equal(2, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.DroppedSamples);
        Adversity.AssertHealthy(host);
    }

    [Fact]
    public async Task Wall_clock_jumps_during_an_outage_change_no_samples_expiry_and_each_keeps_its_own_wall_time()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        TestTimeProvider steady = new();
        var wall = new SkewedClock(steady);
        await using var host = MetricsHost.Create(Settings(server), services => services.AddSingleton<TimeProvider>(wall), steady);

        // Back an hour at 90 s, then forward two hours at 210 s: by the wall clock the first samples would never expire and
        // every later one would be hours old.
        var back = (At: TimeSpan.FromSeconds(90), By: TimeSpan.FromHours(-1));
        var forward = (At: TimeSpan.FromSeconds(210), By: TimeSpan.FromHours(2));
        await OutageAsync(host, server, [back, forward], wall);
        var rampIn = DrainPacer.RampInGap(Interval);
        var calm = DrainPacer.CalmGap(Interval);
        await host.Time.WaitForTimerAsync(rampIn);
        host.Time.AdvanceTo(RecoveryAt + rampIn, Interval);
        _ = await server.NextAsync();
        await host.Time.WaitForTimerAsync(calm);
        host.Time.AdvanceTo(RecoveryAt + rampIn + calm, Interval);
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered", 4);
        await host.Host.StopAsync();
        await host.WaitForLogAsync("Flushed");

        // Taken at 20, 80 … 300 s on the steady clock and finally at the stop (311 s); 40 and 60 s expired, by steady age.
        var takenAt = new[] { 20 }.Concat(Enumerable.Range(4, 12).Select(i => i * 20)).Append(311).ToList();
        TimeSpan SkewAt(int t) => t < 90 ? TimeSpan.Zero : t < 210 ? back.By : back.By + forward.By;
        var expected = takenAt.ToDictionary(t => Wall(host, t, SkewAt(t)), t => TimeSpan.FromSeconds(t));
        var delivered = _posts.Where(p => p.Status == 200).ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), delivered.Select(p => p.MeasuredAt).Order(StringComparer.Ordinal));
        Assert.All(delivered, p => Assert.True(p.ReceivedAt - expected[p.MeasuredAt] <= SampleBacklog.MaxAge, $"{p.MeasuredAt} posted too old"));
        Assert.Equal(2, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.DroppedSamples);
        Assert.Equal(Wall(host, 80, TimeSpan.Zero), delivered[1].MeasuredAt);
        Adversity.AssertHealthy(host);
    }

    private static Dictionary<string, string?> Settings(HerokuLikeServer server) => MetricsHost.Settings(
        server,
        ("HerokuMetrics:InitialBackoff", "00:01:00"),
        ("HerokuMetrics:MaxBackoff", "00:01:00"),
        ("HerokuMetrics:BackoffJitter", "00:00:00"));

    // The Measurements-Time of a sample taken `seconds` after the start, with the wall clock `skew` off the steady one.
    private static string Wall(MetricsHost host, int seconds, TimeSpan skew) =>
        Log.Time(host.Time.Start + TimeSpan.FromSeconds(seconds) + skew);

    // A report at 20 s, then failures from 40 s, one a minute, until the endpoint answers at 280 s; each wall-clock jump
    // happens at its steady time on the way.
    private async Task OutageAsync(MetricsHost host, HerokuLikeServer server, (TimeSpan At, TimeSpan By)[] jumps, SkewedClock? wall = null)
    {
        server.RespondWith((context, report) =>
        {
            var status = Volatile.Read(ref _answer);
            _posts.Enqueue(new Post(report.Header("Measurements-Time")!, status, host.Time.Elapsed));
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        });
        var pending = new Queue<(TimeSpan At, TimeSpan By)>(jumps);
        void StepTo(TimeSpan target)
        {
            while (pending.TryPeek(out var jump) && jump.At <= target)
            {
                host.Time.AdvanceTo(jump.At, Interval);
                wall!.Jump(pending.Dequeue().By);
            }

            host.Time.AdvanceTo(target, Interval);
        }

        _ = await host.StartAndDeliverFirstReportAsync(server);
        Volatile.Write(ref _answer, (int)HttpStatusCode.ServiceUnavailable);
        StepTo(2 * Interval);
        while (true)
        {
            _ = await server.NextAsync();
            await host.Time.WaitForTimerAsync(Backoff);
            var next = host.Time.Elapsed + Backoff;
            if (next >= RecoveryAt)
            {
                Volatile.Write(ref _answer, (int)HttpStatusCode.OK);
                StepTo(next);
                break;
            }

            StepTo(next);
        }

        _ = await server.NextAsync();
        await host.WaitForLogAsync("Recovered");
    }

    /// <summary>One POST as the endpoint saw it: the sample's wall time, the answer, and the steady time it arrived.</summary>
    private sealed record Post(string MeasuredAt, int Status, TimeSpan ReceivedAt);
}
