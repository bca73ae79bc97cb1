using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Moq;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>
/// Step 7 of the options pipeline, the choke point: options become settings once per change; an invalid change never
/// reaches the reporter, a change of nothing is not one.
/// </summary>
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
        return new ReporterSettingsSource(startedWith, initial!, monitor.Object, new HerokuMetricsOptionsPipeline(), new SafeLogger(_logger));
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

    [Fact]
    public void A_change_of_the_backoff_alone_is_raised_with_the_new_values_and_logged_once()
    {
        var started = new HerokuMetricsOptions { Endpoint = First };
        var source = Source(started, started);
        source.Start();
        var seen = new List<ReporterSettings>();
        source.Changed += seen.Add;

        _listener!(
            new HerokuMetricsOptions
            {
                Endpoint = First,
                InitialBackoff = TimeSpan.FromSeconds(2),
                MaxBackoff = TimeSpan.FromMinutes(1),
                BackoffResetAfter = TimeSpan.FromMinutes(10),
                BackoffJitter = TimeSpan.Zero,
            },
            Microsoft.Extensions.Options.Options.DefaultName);

        var settings = Assert.Single(seen);
        Assert.Same(settings, source.Current);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.InitialBackoff);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.MaxBackoff);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.BackoffResetAfter);
        Assert.False(settings.UseJitter);
        var line = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal("SettingsChanged", line.Id.Name);
        Assert.Equal(
            "Heroku metrics settings changed by a configuration reload: InitialBackoff 00:00:01 → 00:00:02, " +
            "MaxBackoff " + HerokuMetricsOptions.DefaultMaxBackoff.ToString("c", System.Globalization.CultureInfo.InvariantCulture) + " → 00:01:00, " +
            "BackoffResetAfter 00:05:00 → 00:10:00, BackoffJitter 00:00:00.5000000 → 00:00:00.",
            line.Message);
    }

    [Fact]
    public void A_change_that_leaves_every_setting_in_force_as_it_was_is_neither_raised_nor_logged()
    {
        var started = new HerokuMetricsOptions { Endpoint = First };
        var source = Source(started, started);
        source.Start();
        var before = source.Current;
        var changed = 0;
        source.Changed += _ => changed++;

        // A new instance with the same values, as a reload of an unrelated key (or a misspelt one) makes; a blank endpoint
        // keeps the one in force, and an explicit timeout equal to the interval is the timeout in force already.
        _listener!(new HerokuMetricsOptions { Endpoint = " ", HttpTimeout = TimeSpan.FromSeconds(20) }, Microsoft.Extensions.Options.Options.DefaultName);

        Assert.Same(before, source.Current);
        Assert.Equal(0, changed);
        Assert.Empty(_logger.Collector.GetSnapshot());
    }
}
