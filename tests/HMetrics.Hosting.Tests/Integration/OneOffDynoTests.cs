using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Issue 14, point 5: on a one-off dyno (heroku run, release phase, scheduler) the reporter stays idle by default, as
/// Heroku's own agents do, with one Information line saying why; configuration can override it.
/// </summary>
public sealed class OneOffDynoTests
{
    [Theory]
    [InlineData("run.1234")] // heroku run
    [InlineData("release.7")] // release phase
    [InlineData("scheduler.4211")] // Heroku Scheduler
    public async Task A_one_off_dyno_sends_nothing_logs_one_information_line_and_is_idle(string dyno)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("DYNO", dyno));

        await host.StartAsync();
        var line = await host.WaitForLogAsync("OneOffDyno");
        host.Time.Advance(TimeSpan.FromMinutes(5));
        await host.Host.StopAsync();

        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains(dyno, line.Message, StringComparison.Ordinal);
        Assert.Contains("HerokuMetrics:ReportOnOneOffDynos", line.Message, StringComparison.Ordinal);
        Assert.Single(host.Records("OneOffDyno"));
        Assert.Empty(host.Records("Started"));
        Assert.Equal(0, server.RequestCount);
        var status = host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current;
        Assert.Equal(HerokuMetricsState.Idle, status.State);
        Assert.Contains("one-off dyno", status.IdleReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run.1234", "true")]
    [InlineData("web.1", null)]
    [InlineData("worker.2", "false")]
    public async Task The_override_or_any_other_dyno_reports(string dyno, string? reportOnOneOffDynos)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("DYNO", dyno), ("HerokuMetrics:ReportOnOneOffDynos", reportOnOneOffDynos));

        _ = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Empty(host.Records("OneOffDyno"));
        Assert.Equal(HerokuMetricsState.Reporting, host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.State);
    }
}
