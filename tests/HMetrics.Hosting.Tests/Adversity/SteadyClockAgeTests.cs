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
/// every minute (40, 100, 160, 220 s: a backoff longer than the wait for the next tick, so Polly's delay decides) until it
/// answers again at 280 s. By then the samples of 40 and 60 s are older than
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
        var lastPost = RecoveryAt + rampIn;
        host.Time.AdvanceTo(lastPost, Interval);
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered", 3);

        // Mid-drain, the samples from 120 s to the last tick waiting: 20 s → 5 min. The ring shrinks to two slots, the
        // next sample is due 5 min after the last one, and the waiting samples keep the calm pace of the interval they
        // were taken at.
        var lastTick = TimeSpan.FromTicks(lastPost.Ticks / Interval.Ticks * Interval.Ticks);
        var waiting = (int)((lastTick - TimeSpan.FromSeconds(100)) / Interval);
        Assert.True(waiting >= 9, $"only {waiting} samples wait");
        host.Reload(("HerokuMetrics:PostInterval", "00:05:00"));
        await host.WaitForLogAsync("SettingsChanged");
        var calm = DrainPacer.CalmGap(Interval);
        for (var drained = 1; drained <= waiting; drained++)
        {
            await host.Time.WaitForTimerAsync(calm);
            lastPost += calm;
            host.Time.AdvanceTo(lastPost, Interval);
            _ = await server.NextAsync();
            await host.WaitForLogAsync("ReportDelivered", 3 + drained);
        }

        // The first samples at the new interval are still paced at the calm share of 5 min from the last POST while the
        // gap has not passed when they are taken (the first regular sample after a drain is paced).
        var longer = TimeSpan.FromMinutes(5);
        var longCalm = DrainPacer.CalmGap(longer);
        var newTicks = new[] { lastTick + longer, lastTick + (2 * longer) };
        for (var i = 0; i < newTicks.Length; i++)
        {
            host.Time.AdvanceTo(newTicks[i], Interval);
            var wait = longCalm - (newTicks[i] - lastPost);
            if (wait > TimeSpan.Zero)
            {
                Assert.Equal(wait, await host.Time.NextTimerAsync(d => d != longer));
                host.Time.AdvanceTo(newTicks[i] + wait, Interval);
            }

            lastPost = host.Time.Elapsed;
            _ = await server.NextAsync();
            await host.WaitForLogAsync("ReportDelivered", 4 + waiting + i);
        }

        // No wall-clock jump here: a sample's steady time is its Measurements-Time since the start.
        var delivered = _posts.Where(p => p.Status == 200).ToList();
        Assert.All(delivered, p =>
        {
            var age = p.ReceivedAt - (DateTimeOffset.Parse(p.MeasuredAt, CultureInfo.InvariantCulture) - host.Time.Start);
            Assert.True(age <= SampleBacklog.MaxAge, $"{p.MeasuredAt} posted {age} after it was taken");
        });
        var taken = new[] { TimeSpan.FromSeconds(20) }.Concat(Ticks(TimeSpan.FromSeconds(80), lastTick)).Concat(newTicks);
        Assert.Equal(taken.Select(t => Wall(host, t, TimeSpan.Zero)), delivered.Select(p => p.MeasuredAt));
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
        var stopAt = RecoveryAt + rampIn + calm;
        host.Time.AdvanceTo(stopAt, Interval);
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered", 4);
        await host.Host.StopAsync();
        await host.WaitForLogAsync("Flushed");

        // Taken at 20, 80 … the last tick on the steady clock and finally at the stop; 40 and 60 s expired, by steady age.
        var lastTick = TimeSpan.FromTicks(stopAt.Ticks / Interval.Ticks * Interval.Ticks);
        var takenAt = new[] { TimeSpan.FromSeconds(20) }.Concat(Ticks(TimeSpan.FromSeconds(80), lastTick)).Append(stopAt).ToList();
        TimeSpan SkewAt(TimeSpan t) => t < back.At ? TimeSpan.Zero : t < forward.At ? back.By : back.By + forward.By;
        var expected = takenAt.ToDictionary(t => Wall(host, t, SkewAt(t)), t => t);
        var delivered = _posts.Where(p => p.Status == 200).ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), delivered.Select(p => p.MeasuredAt).Order(StringComparer.Ordinal));
        Assert.All(delivered, p => Assert.True(p.ReceivedAt - expected[p.MeasuredAt] <= SampleBacklog.MaxAge, $"{p.MeasuredAt} posted too old"));
        Assert.Equal(2, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.DroppedSamples);
        Assert.Equal(Wall(host, TimeSpan.FromSeconds(80), TimeSpan.Zero), delivered[1].MeasuredAt);
        Adversity.AssertHealthy(host);
    }

    // Every sampling tick from `from` to `to`, both included.
    private static IEnumerable<TimeSpan> Ticks(TimeSpan from, TimeSpan to)
    {
        for (var t = from; t <= to; t += Interval)
        {
            yield return t;
        }
    }

    private static Dictionary<string, string?> Settings(HerokuLikeServer server) => MetricsHost.Settings(
        server,
        ("HerokuMetrics:InitialBackoff", "00:01:00"),
        ("HerokuMetrics:MaxBackoff", "00:01:00"),
        ("HerokuMetrics:BackoffJitter", "00:00:00"));

    // The Measurements-Time of a sample taken `sinceStart` after the start, with the wall clock `skew` off the steady one.
    private static string Wall(MetricsHost host, TimeSpan sinceStart, TimeSpan skew) =>
        Log.Time(host.Time.Start + sinceStart + skew);

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
