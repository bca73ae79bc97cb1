using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>
/// Step 5 of the options pipeline: invalid options stop the host before it starts; the options monitor itself never
/// throws, at start or after, so a configuration reload cannot take the app down.
/// </summary>
public sealed class StartupGateTests
{
    private const string Url = "http://127.0.0.1:9/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";

    [Fact]
    public async Task Invalid_options_fail_the_host_before_any_hosted_service_starts_naming_the_options_and_the_setting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(MetricsHost.Settings(Url, ("HerokuMetrics:PostInterval", "00:00:00")));
        builder.Services.AddSingleton<TimeProvider>(new TestTimeProvider());

        // Registered before the reporter, so it would start first: the reporter refusing in its own start is too late.
        var earlier = new RecordingService();
        builder.Services.AddSingleton<IHostedService>(earlier);
        builder.Services.AddHerokuMetrics();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(typeof(HerokuMetricsOptions), error.OptionsType);
        Assert.Equal(Microsoft.Extensions.Options.Options.DefaultName, error.OptionsName);
        Assert.StartsWith("HerokuMetrics:PostInterval must be at least 10 ms", error.Message, StringComparison.Ordinal);
        Assert.False(earlier.Started);
    }

    [Fact]
    public async Task The_monitor_hands_out_invalid_options_without_throwing_the_gate_alone_refuses_them()
    {
        await using var host = MetricsHost.Create(Url, ("HerokuMetrics:PostInterval", "-00:00:05"), ("HerokuMetrics:Schema", "Python"));
        var monitor = host.Host.Services.GetRequiredService<IOptionsMonitor<HerokuMetricsOptions>>();

        var current = Record.Exception(() => monitor.CurrentValue);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);

        Assert.Null(current);
        Assert.Contains("'Python' at 'HerokuMetrics:Schema'", error.Message, StringComparison.Ordinal);
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

        // With a validator inside the options monitor, this threw an AggregateException wrapping
        // OptionsValidationException: on a file watcher's thread that is a crashed app.
        var reload = Record.Exception(configuration.Reload);

        Assert.Null(reload);
        Assert.Equal(TimeSpan.FromSeconds(-5), host.Host.Services.GetRequiredService<IOptionsMonitor<HerokuMetricsOptions>>().CurrentValue.PostInterval);
        _ = await host.WaitForLogAsync("InvalidOptionsIgnored");
        var lifetime = host.Host.Services.GetRequiredService<IHostApplicationLifetime>();
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task Options_made_invalid_after_the_hosts_validation_but_before_the_reporter_starts_still_fail_the_start()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(MetricsHost.Settings(Url));
        builder.Services.AddSingleton<TimeProvider>(new TestTimeProvider());

        // Registered first, so it starts after the host's validation and before the reporter.
        var reloader = new ReloadingService(builder.Configuration, "HerokuMetrics:MaxBackoff", "00:00:00");
        builder.Services.AddSingleton<IHostedService>(reloader);
        builder.Services.AddHerokuMetrics();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Null(reloader.ReloadError);
        Assert.Equal(typeof(HerokuMetricsOptions), error.OptionsType);
        Assert.Contains("HerokuMetrics:MaxBackoff must be at least 10 ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configure_delegate_that_throws_fails_the_start_with_its_own_exception()
    {
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(Url),
            services => services.AddHerokuMetrics(_ => throw new InvalidOperationException("the app's own bug")));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(host.StartAsync);

        Assert.Equal("the app's own bug", error.Message);
        Assert.Empty(host.Records("Started"));
    }

    [Fact]
    public async Task A_configure_delegate_that_throws_on_a_reload_is_ignored_like_an_invalid_value_and_reporting_goes_on()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var broken = false;
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(server),
            services => services.AddHerokuMetrics(o =>
            {
                if (Volatile.Read(ref broken))
                {
                    throw new InvalidOperationException("the app's own bug");
                }

                o.UserAgent = "my-app/1.0";
            }));
        Assert.Equal("my-app/1.0", (await host.StartAndDeliverFirstReportAsync(server)).Header("User-Agent"));

        Volatile.Write(ref broken, true);
        var reload = Record.Exception(() => host.Reload(("HerokuMetrics:UserAgent", "ignored/2.0")));

        Assert.Null(reload);
        var ignored = await host.WaitForLogAsync("InvalidOptionsIgnored");
        Assert.Contains("A configure delegate passed to AddHerokuMetrics threw InvalidOperationException.", ignored.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the app's own bug", ignored.Message, StringComparison.Ordinal);
        Assert.Equal("my-app/1.0", (await host.AdvanceToNextReportAsync(server, 2)).Header("User-Agent"));
    }

    private sealed class RecordingService : IHostedService
    {
        public bool Started { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Changes one key and reloads the configuration when it starts, as a file watcher could at that moment.</summary>
    private sealed class ReloadingService(IConfigurationManager configuration, string key, string value) : IHostedService
    {
        public Exception? ReloadError { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            configuration[key] = value;
            ReloadError = Record.Exception(((IConfigurationRoot)configuration).Reload);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
