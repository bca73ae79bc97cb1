using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

public sealed class ReportingTests
{
    [Fact]
    public async Task Delivers_a_report_every_interval_with_the_go_schema()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        var report = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Equal("POST", report.Method);
        Assert.Equal("application/json", report.Header("Content-Type"));
        var root = report.Json().RootElement;
        Assert.True(root.GetProperty("counters").TryGetProperty("go.gc.collections", out _));
        Assert.True(root.GetProperty("gauges").TryGetProperty("go.memory.heap.bytes", out _));

        _ = await host.AdvanceToNextReportAsync(server, 2);
    }

    [Fact]
    public async Task The_first_report_comes_one_interval_after_start_and_each_is_stamped_with_the_time_it_was_sent()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:PostInterval", "00:00:15"));

        await host.StartAndWaitForFirstTimerAsync(Seconds(15));
        host.Time.Advance(Seconds(14.999));
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        var first = await server.NextAsync();
        await host.WaitForLogAsync("ReportDelivered");

        // The first report is the one stamped one interval after start: nothing went out a moment earlier.
        Assert.Equal(1, server.RequestCount);
        Assert.Equal(At(15), first.Header("Measurements-Time"));
        Assert.Equal(first.Json().RootElement.GetProperty("counters").EnumerateObject().Count()
            + first.Json().RootElement.GetProperty("gauges").EnumerateObject().Count(), int.Parse(first.Header("Measurements-Count")!, System.Globalization.CultureInfo.InvariantCulture));

        for (var i = 2; i <= 4; i++)
        {
            Assert.Equal(At(15 * i), (await host.AdvanceToNextReportAsync(server, i, Seconds(15))).Header("Measurements-Time"));
        }
    }

    [Fact]
    public async Task A_slow_endpoint_holds_the_next_report_back_without_shifting_the_schedule()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);

        _ = await host.StartAndDeliverFirstReportAsync(server);

        // The second report takes 9.5 s (within the 10 s timeout) to be answered.
        var gate = server.HoldResponses();
        host.Time.Advance(Seconds(20));
        Assert.Equal(At(40), (await server.NextAsync()).Header("Measurements-Time"));
        host.Time.Advance(Seconds(9.5));
        Assert.Equal(2, server.RequestCount);
        gate.SetResult();
        await host.WaitForLogAsync("ReportDelivered", 2);
        server.RespondWithStatus(System.Net.HttpStatusCode.OK);

        // The cadence is counted from the run's start, not from the end of the slow report.
        host.Time.Advance(Seconds(10.5));
        Assert.Equal(At(60), (await server.NextAsync()).Header("Measurements-Time"));
        await host.WaitForLogAsync("ReportDelivered", 3);
        Assert.Equal(At(80), (await host.AdvanceToNextReportAsync(server, 4)).Header("Measurements-Time"));

        Assert.Equal(4, server.RequestCount);
        Assert.Equal(1, server.MaxConcurrentRequests);
        Assert.Empty(host.Records("ReportFailed"));
    }

    [Fact]
    public async Task Activation_waits_until_the_host_has_started_and_the_first_report_still_comes_one_interval_after_the_reporter_started()
    {
        // A hosted service registered after the reporter starts after it and takes 5 s of (fake) time: the reporter must
        // not build its parts meanwhile, and its first sample stays due 20 s after its own start, i.e. 15 s later.
        await using var server = await HerokuLikeServer.StartAsync();
        var time = new TestTimeProvider();
        await using var host = MetricsHost.Create(
            new Dictionary<string, string?> { ["HEROKU_METRICS_URL"] = server.Url() },
            services => services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(new SlowStart(time, Seconds(5))),
            time);

        await host.StartAsync();
        await host.Time.WaitForTimerAsync(Seconds(15));
        host.Time.Advance(Seconds(15) - TimeSpan.FromTicks(1));
        Assert.Equal(0, server.RequestCount);
        host.Time.Advance(TimeSpan.FromTicks(1));

        var first = await server.NextAsync();
        Assert.Equal(At(20), first.Header("Measurements-Time"));
    }

    private sealed class SlowStart(TestTimeProvider time, TimeSpan takes) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            time.Advance(takes);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
