using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Options;

public sealed class HerokuMetricsOptionsReloadGuardTests
{
    [Fact]
    public void Validates_until_told_to_stop_throwing_and_keeps_checking_on_request()
    {
        var guard = new HerokuMetricsOptionsReloadGuard();
        var invalid = new HerokuMetricsOptions { PostInterval = TimeSpan.Zero, UserAgent = "" };

        var atStart = guard.Validate(Microsoft.Extensions.Options.Options.DefaultName, invalid);
        Assert.True(atStart.Failed);
        Assert.Contains("HerokuMetrics:PostInterval", atStart.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("HerokuMetrics:UserAgent", atStart.FailureMessage, StringComparison.Ordinal);

        guard.StopThrowing();

        Assert.True(guard.Validate(Microsoft.Extensions.Options.Options.DefaultName, invalid).Skipped);
        Assert.True(guard.Check(Microsoft.Extensions.Options.Options.DefaultName, invalid).Failed);
        Assert.True(guard.Check(Microsoft.Extensions.Options.Options.DefaultName, new HerokuMetricsOptions()).Succeeded);
    }

    [Fact]
    public async Task A_reload_to_invalid_values_after_start_does_not_throw_out_of_the_configuration_reload()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server);
        await host.StartAsync();
        await host.WaitForLogAsync("Started");

        var configuration = (IConfigurationRoot)host.Host.Services.GetRequiredService<IConfiguration>();
        configuration["HerokuMetrics:PostInterval"] = "-00:00:05";

        // Before the guard, this threw an AggregateException wrapping OptionsValidationException: on a file watcher's
        // thread that is a crashed app.
        var reload = Record.Exception(configuration.Reload);

        Assert.Null(reload);
        var lifetime = host.Host.Services.GetRequiredService<IHostApplicationLifetime>();
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
    }
}
