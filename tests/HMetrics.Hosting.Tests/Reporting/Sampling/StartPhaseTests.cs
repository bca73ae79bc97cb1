using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Reporting.Sampling;

/// <summary>
/// The first sample falls at a random moment within the first interval after start (docs/behaviour.md, "Sampling and
/// delivery"), so a fleet restarted together does not post in step: never at the start itself, never later than one
/// interval, and not the same moment for every reporter.
/// </summary>
public sealed class StartPhaseTests
{
    private static readonly TimeSpan[] Intervals =
        [TimeSpan.FromTicks(1), TimeSpan.FromTicks(7), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(7), TimeSpan.FromDays(1)];

    [Fact]
    public void The_first_sample_is_due_after_the_start_and_at_most_one_interval_into_it_for_any_draw()
    {
        var random = new Random(1125);
        var draws = new[] { 0, Math.BitDecrement(1.0), 0.5, 1e-300 }.Concat(Enumerable.Range(0, 2000).Select(_ => random.NextDouble()));
        foreach (var draw in draws)
        {
            foreach (var interval in Intervals.Append(TimeSpan.FromTicks(random.NextInt64(1, TimeSpan.FromDays(1).Ticks))))
            {
                var due = new StartPhase(() => draw).FirstDue(interval);

                Assert.True(due > TimeSpan.Zero && due <= interval, $"draw {draw:R}, interval {interval}: due {due}");
            }
        }
    }

    [Fact]
    public void A_draw_of_zero_is_exactly_one_interval_and_a_larger_draw_is_never_later()
    {
        foreach (var interval in Intervals)
        {
            Assert.Equal(interval, new StartPhase(static () => 0).FirstDue(interval));
        }

        // interval × (1 − U): the phases spread over the whole interval, in the order of the draws.
        var interval20 = TimeSpan.FromSeconds(20);
        var sorted = Enumerable.Range(0, 200).Select(i => i / 200.0).ToArray();
        var dues = sorted.Select(d => new StartPhase(() => d).FirstDue(interval20)).ToArray();
        Assert.True(dues.Zip(dues.Skip(1)).All(p => p.First > p.Second));
        Assert.Equal(TimeSpan.FromSeconds(5), new StartPhase(static () => 0.75).FirstDue(interval20));
        Assert.True(dues[^1] < TimeSpan.FromSeconds(0.2));
    }

    [Fact]
    public async Task A_reporter_left_to_its_own_phase_takes_its_first_sample_within_the_first_interval()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var time = new TestTimeProvider();
        using var host = Build(server.Url(), time, ("HerokuMetrics:PostInterval", "00:00:07"));
        await host.StartAsync();

        // The reporter's first armed timer is the sampler's: nothing is sent before it is due, and the first sample, stamped
        // then, goes when it is.
        var due = await time.NextTimerAsync(Armed);
        Assert.InRange(due, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(7));
        time.Advance(due - TimeSpan.FromTicks(1));
        Assert.Equal(0, server.RequestCount);
        time.Advance(TimeSpan.FromTicks(1));
        var report = await server.NextAsync();
        Assert.Equal(Timeline.At(Truncate(due)), report.Header("Measurements-Time"));

        await host.StopAsync();
    }

    [Fact]
    public async Task Reporters_left_to_their_own_phase_do_not_all_start_in_step()
    {
        // Twenty reporters started at the same instant, as a fleet restarted together. A shared phase for all twenty
        // would take a random draw repeating itself nineteen times; nothing is sent (the clock never moves).
        var dues = new List<TimeSpan>();
        for (var i = 0; i < 20; i++)
        {
            var time = new TestTimeProvider();
            using var host = Build("http://127.0.0.1:9/metrics/0b9c1f2e", time);
            await host.StartAsync();
            var due = await time.NextTimerAsync(Armed);
            Assert.InRange(due, TimeSpan.FromTicks(1), MetricsHost.DefaultInterval);
            dues.Add(due);
            await host.StopAsync();
        }

        Assert.True(dues.Distinct().Count() > 1, $"all twenty first samples due at {dues[0]}");
    }

    // Timers made disarmed (a request's deadline, armed per attempt) are not the sampler's.
    private static bool Armed(TimeSpan dueTime) => dueTime != Timeout.InfiniteTimeSpan;

    // Measurements-Time has milliseconds; the sample's time is the clock's when its timer fired.
    private static TimeSpan Truncate(TimeSpan due) => TimeSpan.FromMilliseconds(Math.Floor(due.TotalMilliseconds));

    // A host as an app builds it, with no phase of the tests' own (MetricsHost fixes one): only the clock is fake.
    private static IHost Build(string endpoint, TestTimeProvider time, params (string Key, string? Value)[] extra)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?> { ["HEROKU_METRICS_URL"] = endpoint };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Logging.ClearProviders();
        builder.Services.AddHerokuMetrics();
        return builder.Build();
    }
}
