using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Moq;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>The choke point: options become settings once per change; an invalid change never reaches the reporter.</summary>
public sealed class ReporterSettingsSourceTests
{
    private const string First = "https://metrics.example/metrics/first";
    private const string Second = "https://metrics.example/metrics/second";

    private readonly FakeLogger _logger = new();
    private Action<HerokuMetricsOptions, string?>? _listener;

    private ReporterSettingsSource Source(HerokuMetricsOptions startedWith, HerokuMetricsOptions current)
    {
        // A narrow seam: the monitor's current value and its change callback, nothing else.
        var monitor = new Mock<IOptionsMonitor<HerokuMetricsOptions>>();
        monitor.SetupGet(m => m.CurrentValue).Returns(current);
        monitor.Setup(m => m.OnChange(It.IsAny<Action<HerokuMetricsOptions, string?>>()))
            .Callback<Action<HerokuMetricsOptions, string?>>(l => _listener = l)
            .Returns(Mock.Of<IDisposable>());
        Assert.True(ReporterSettings.TryCreate(startedWith, null, out var initial));
        var guard = new HerokuMetricsOptionsReloadGuard();
        guard.StopThrowing();
        return new ReporterSettingsSource(startedWith, initial!, monitor.Object, guard, new SafeLogger(_logger));
    }

    [Fact]
    public void A_change_made_between_the_start_and_the_subscription_is_applied_when_following_begins()
    {
        var started = new HerokuMetricsOptions { Endpoint = First };
        var source = Source(started, new HerokuMetricsOptions { Endpoint = Second });

        source.Start();

        Assert.Equal(new Uri(Second), source.Current.Endpoint.RequestUri);
    }

    [Fact]
    public void An_unusable_endpoint_is_refused_even_when_enabled_is_false_and_the_settings_in_force_stay()
    {
        var started = new HerokuMetricsOptions { Endpoint = First };
        var source = Source(started, started);
        source.Start();
        var changed = 0;
        source.Changed += _ => changed++;

        _listener!(new HerokuMetricsOptions { Enabled = false, Endpoint = "not a url" }, Microsoft.Extensions.Options.Options.DefaultName);

        Assert.Equal(new Uri(First), source.Current.Endpoint.RequestUri);
        Assert.Equal(0, changed);
        var error = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal("InvalidOptionsIgnored", error.Id.Name);
        Assert.DoesNotContain("not a url", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_valid_change_is_parsed_once_and_a_blank_endpoint_keeps_the_one_in_force()
    {
        var started = new HerokuMetricsOptions { Endpoint = First };
        var source = Source(started, started);
        source.Start();
        var seen = new List<ReporterSettings>();
        source.Changed += seen.Add;

        _listener!(new HerokuMetricsOptions { Endpoint = " ", PostInterval = TimeSpan.FromSeconds(5) }, Microsoft.Extensions.Options.Options.DefaultName);

        var settings = Assert.Single(seen);
        Assert.Same(settings, source.Current);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.PostInterval);
        Assert.Equal(new Uri(First), settings.Endpoint.RequestUri);
    }
}
