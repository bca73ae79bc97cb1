using System.Globalization;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>
/// Step 6 of the options pipeline: the timeout rule of issue 20 and the description of a change, the only places those
/// rules live.
/// </summary>
public sealed class ReporterSettingsTests
{
    private const string Url = "https://metrics.example/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f?token=t0k3n";

    private static ReporterSettings Settings(HerokuMetricsOptions options)
    {
        options.Endpoint ??= Url;
        Assert.True(ReporterSettings.TryCreate(options, null, out var settings));
        return settings!;
    }

    [Fact]
    public void At_the_defaults_the_timeout_is_the_interval_a_regular_deadline_is_the_next_tick_and_the_flush_gets_10_s()
    {
        var settings = Settings(new HerokuMetricsOptions());

        Assert.Equal(TimeSpan.FromSeconds(20), settings.HttpTimeout);
        Assert.True(settings.RegularDeadlineIsNextTick);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.FlushTimeout);
        Assert.False(settings.HttpTimeoutChosen);
        Assert.False(settings.HttpTimeoutClamped);
    }

    [Theory]
    [InlineData("00:00:05", null, "00:00:05", true, "00:00:05", false)]
    [InlineData("00:00:05", "00:00:02", "00:00:02", false, "00:00:02", false)]
    [InlineData("00:00:05", "00:00:05", "00:00:05", true, "00:00:05", false)]
    [InlineData("00:00:05", "00:00:30", "00:00:05", true, "00:00:05", true)]
    [InlineData("00:01:00", null, "00:01:00", true, "00:00:10", false)]
    [InlineData("00:01:00", "00:00:15", "00:00:15", false, "00:00:10", false)]
    public void The_timeout_in_force_follows_an_unset_value_keeps_one_below_and_caps_one_above_the_interval(
        string interval, string? timeout, string inForce, bool deadlineIsNextTick, string flush, bool clamped)
    {
        var settings = Settings(new HerokuMetricsOptions
        {
            PostInterval = TimeSpan.Parse(interval, CultureInfo.InvariantCulture),
            HttpTimeout = timeout is null ? null : TimeSpan.Parse(timeout, CultureInfo.InvariantCulture),
        });

        Assert.Equal(TimeSpan.Parse(inForce, CultureInfo.InvariantCulture), settings.HttpTimeout);
        Assert.Equal(deadlineIsNextTick, settings.RegularDeadlineIsNextTick);
        Assert.Equal(TimeSpan.Parse(flush, CultureInfo.InvariantCulture), settings.FlushTimeout);
        Assert.Equal(clamped, settings.HttpTimeoutClamped);
        Assert.Equal(timeout is not null, settings.HttpTimeoutChosen);
    }

    [Fact]
    public void The_timeout_rules_hold_for_generated_valid_intervals_and_timeouts()
    {
        // Seeded, so a failure replays: intervals and timeouts across the whole valid range, a third of timeouts unset.
        var random = new Random(20261127);
        for (var n = 0; n < 10_000; n++)
        {
            var interval = Duration(random, HerokuMetricsOptionsValidator.MinPostInterval);
            TimeSpan? timeout = random.Next(3) == 0 ? null : Duration(random, HerokuMetricsOptionsValidator.MinDuration);
            var options = new HerokuMetricsOptions { PostInterval = interval, HttpTimeout = timeout };
            Assert.True(HerokuMetricsOptionsValidator.Validate(options, new OptionsOrigin()).Succeeded);

            var settings = Settings(options);

            var context = $"interval {interval}, timeout {timeout?.ToString() ?? "unset"}";
            Assert.True(settings.HttpTimeout <= interval, context);
            Assert.Equal(timeout is { } t && t < interval ? t : interval, settings.HttpTimeout);
            Assert.Equal(timeout is not { } below || below >= interval, settings.RegularDeadlineIsNextTick);
            Assert.Equal(timeout is { } above && above > interval, settings.HttpTimeoutClamped);
            Assert.True(settings.FlushTimeout <= ReporterSettings.MaxFlushTimeout, context);
            Assert.Equal(settings.HttpTimeout < ReporterSettings.MaxFlushTimeout ? settings.HttpTimeout : ReporterSettings.MaxFlushTimeout, settings.FlushTimeout);
            Assert.True(settings.FlushTimeout >= HerokuMetricsOptionsValidator.MinDuration, context);
        }

        // Log-uniform between the floor and a day, so milliseconds, seconds and hours all occur.
        static TimeSpan Duration(Random random, TimeSpan floor)
        {
            var exponent = random.NextDouble() * Math.Log(HerokuMetricsOptionsValidator.MaxDuration.Ticks / (double)floor.Ticks);
            return TimeSpan.FromTicks(Math.Min(HerokuMetricsOptionsValidator.MaxDuration.Ticks, (long)(floor.Ticks * Math.Exp(exponent))));
        }
    }

    [Fact]
    public void Settings_made_from_equal_options_describe_no_change()
    {
        Assert.Null(Settings(new HerokuMetricsOptions()).DescribeChangesFrom(Settings(new HerokuMetricsOptions())));
    }

    [Fact]
    public void Every_changed_setting_is_named_with_its_old_and_new_value_in_option_order()
    {
        var before = Settings(new HerokuMetricsOptions());
        var after = Settings(new HerokuMetricsOptions
        {
            Endpoint = "https://other.example/metrics/abc",
            PostInterval = TimeSpan.FromSeconds(5),
            InitialBackoff = TimeSpan.FromMilliseconds(250),
            MaxBackoff = TimeSpan.FromMinutes(2),
            BackoffResetAfter = TimeSpan.FromHours(1),
            BackoffJitter = TimeSpan.Zero,
            UserAgent = "my-app/2.0 (reloaded)",
            Schema = HerokuMetricsSchema.Both,
            FlushOnShutdown = false,
        });

        Assert.Equal(
            "Endpoint https://metrics.example/metrics/redacted?redacted → https://other.example/metrics/redacted, " +
            "PostInterval 00:00:20 → 00:00:05, HttpTimeout 00:00:20 → 00:00:05, InitialBackoff 00:00:01 → 00:00:00.2500000, " +
            "MaxBackoff " + HerokuMetricsOptions.DefaultMaxBackoff.ToString("c", CultureInfo.InvariantCulture) + " → 00:02:00, BackoffResetAfter 00:05:00 → 01:00:00, BackoffJitter 00:00:00.5000000 → 00:00:00, " +
            "UserAgent 'hmetrics/1.0 (app using HMetrics.Hosting package)' → 'my-app/2.0 (reloaded)', Schema Go → Both, " +
            "FlushOnShutdown true → false",
            after.DescribeChangesFrom(before));
    }

    [Fact]
    public void An_endpoint_that_changes_only_in_a_secret_is_named_as_changed_and_neither_secret_is_shown()
    {
        var before = Settings(new HerokuMetricsOptions { Endpoint = "https://u:old-pass@metrics.example/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f" });
        var after = Settings(new HerokuMetricsOptions { Endpoint = "https://u:new-pass@metrics.example/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f" });

        var changes = after.DescribeChangesFrom(before)!;

        Assert.StartsWith("Endpoint https://redacted@metrics.example/metrics/redacted → https://redacted@metrics.example/metrics/redacted", changes, StringComparison.Ordinal);
        foreach (var secret in new[] { "old-pass", "new-pass", "0b9c1f2e" })
        {
            Assert.DoesNotContain(secret, changes, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Durations_are_written_the_same_whatever_the_current_culture()
    {
        var before = Settings(new HerokuMetricsOptions());
        var after = Settings(new HerokuMetricsOptions { PostInterval = TimeSpan.FromMilliseconds(1500) });
        var culture = CultureInfo.CurrentCulture;
        try
        {
            // A culture whose decimal separator is a comma: TimeSpan's "g" format would write 0:00:01,5.
            CultureInfo.CurrentCulture = new CultureInfo("fr-FR");

            Assert.Equal("PostInterval 00:00:20 → 00:00:01.5000000, HttpTimeout 00:00:20 → 00:00:01.5000000", after.DescribeChangesFrom(before));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }
}
