namespace HMetrics.Hosting.Tests.Reporting;

public sealed class BackoffScheduleTests
{
    private static readonly TimeSpan ShortRun = TimeSpan.FromSeconds(1);

    private static HerokuMetricsOptions Options(double maxSeconds = 60, double jitterMs = 500) => new()
    {
        InitialBackoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(maxSeconds),
        BackoffJitter = TimeSpan.FromMilliseconds(jitterMs),
        BackoffResetAfter = TimeSpan.FromMinutes(5),
    };

    private static double[] Seconds(BackoffSchedule schedule, HerokuMetricsOptions options, int count, TimeSpan? runDuration = null) =>
        Enumerable.Range(0, count).Select(_ => schedule.NextDelay(options, runDuration ?? ShortRun, null).TotalSeconds).ToArray();

    [Fact]
    public void Starts_at_the_floor_and_doubles_up_to_the_cap_without_jitter()
    {
        var schedule = new BackoffSchedule(() => 0);

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], Seconds(schedule, Options(), 9));
    }

    [Fact]
    public void Adds_the_whole_jitter_at_the_top_of_its_range_but_never_passes_the_cap()
    {
        var schedule = new BackoffSchedule(() => 1);

        Assert.Equal([1.5, 2.5, 4.5, 8.5, 16.5, 32.5, 60, 60], Seconds(schedule, Options(), 8));
    }

    [Fact]
    public void Jitter_near_the_cap_is_cut_at_the_cap()
    {
        var schedule = new BackoffSchedule(() => 1);

        Assert.Equal([1.2, 1.2], Seconds(schedule, Options(maxSeconds: 1.2), 2));
    }

    [Theory]
    [InlineData(-3.0, 1.0)]
    [InlineData(7.0, 1.5)]
    [InlineData(double.NaN, 1.0)]
    public void A_sample_outside_zero_to_one_is_clamped(double sample, double expectedSeconds)
    {
        var schedule = new BackoffSchedule(() => sample);

        var delay = schedule.NextDelay(Options(), ShortRun, null);

        Assert.Equal(expectedSeconds, delay.TotalSeconds);
    }

    [Fact]
    public void Every_jittered_delay_lies_between_the_exponential_step_and_the_step_plus_jitter()
    {
        var random = new Random(20261125);
        var options = Options(maxSeconds: 600, jitterMs: 750);
        var schedule = new BackoffSchedule(random.NextDouble);

        var floor = TimeSpan.FromSeconds(1);
        for (var i = 0; i < 40; i++)
        {
            var delay = schedule.NextDelay(options, ShortRun, null);

            var low = floor < options.MaxBackoff ? floor : options.MaxBackoff;
            var high = low + options.BackoffJitter < options.MaxBackoff ? low + options.BackoffJitter : options.MaxBackoff;
            Assert.InRange(delay, low, high);
            if (floor < options.MaxBackoff)
            {
                floor *= 2;
            }
        }
    }

    [Fact]
    public void Zero_jitter_gives_exact_delays_whatever_the_sample()
    {
        var schedule = new BackoffSchedule(() => 0.9);

        Assert.Equal([1, 2, 4], Seconds(schedule, Options(jitterMs: 0), 3));
    }

    [Fact]
    public void A_run_that_lasted_the_all_clear_window_starts_again_from_the_floor()
    {
        var schedule = new BackoffSchedule(() => 0);
        var options = Options();
        Assert.Equal([1, 2, 4, 8], Seconds(schedule, options, 4));

        var afterHealthyRun = schedule.NextDelay(options, options.BackoffResetAfter, null);
        var next = schedule.NextDelay(options, ShortRun, null);

        Assert.Equal(TimeSpan.FromSeconds(1), afterHealthyRun);
        Assert.Equal(TimeSpan.FromSeconds(2), next);
    }

    [Fact]
    public void A_flapping_endpoint_healthy_just_under_the_window_climbs_to_the_cap()
    {
        var schedule = new BackoffSchedule(() => 0);
        var options = Options();
        var almostHealthy = options.BackoffResetAfter - TimeSpan.FromTicks(1);

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60, 60], Seconds(schedule, options, 10, almostHealthy));
    }

    [Fact]
    public void The_all_clear_works_from_the_cap_as_well()
    {
        var schedule = new BackoffSchedule(() => 0);
        var options = Options();
        _ = Seconds(schedule, options, 20);

        Assert.Equal(TimeSpan.FromSeconds(1), schedule.NextDelay(options, TimeSpan.FromHours(2), null));
    }

    [Fact]
    public void Retry_after_replaces_the_exponential_delay()
    {
        var schedule = new BackoffSchedule(() => 1);

        Assert.Equal(TimeSpan.FromSeconds(42), schedule.NextDelay(Options(), ShortRun, TimeSpan.FromSeconds(42)));
    }

    [Fact]
    public void Retry_after_is_capped_at_the_max_backoff()
    {
        var schedule = new BackoffSchedule(() => 0);

        Assert.Equal(TimeSpan.FromSeconds(60), schedule.NextDelay(Options(), ShortRun, TimeSpan.FromHours(3)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-30)]
    public void A_zero_or_negative_retry_after_is_ignored(int seconds)
    {
        var schedule = new BackoffSchedule(() => 0);

        Assert.Equal(TimeSpan.FromSeconds(1), schedule.NextDelay(Options(), ShortRun, TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void An_hour_long_outage_takes_the_cap_and_never_more()
    {
        var schedule = new BackoffSchedule(() => 1);
        var options = new HerokuMetricsOptions();

        var waited = TimeSpan.Zero;
        var attempts = 0;
        while (waited < TimeSpan.FromHours(1))
        {
            var delay = schedule.NextDelay(options, TimeSpan.FromMilliseconds(50), null);
            Assert.True(delay <= options.MaxBackoff, $"{delay} exceeds {options.MaxBackoff}");
            waited += delay;
            attempts++;
        }

        // 1 + 2 + ... + 512 s (jittered) is about 17 minutes; the rest are 10-minute waits.
        Assert.InRange(attempts, 14, 16);
    }

    [Fact]
    public void Doubling_never_overflows_even_from_one_tick_to_a_day()
    {
        var schedule = new BackoffSchedule(() => 1);
        var options = new HerokuMetricsOptions
        {
            InitialBackoff = TimeSpan.FromTicks(1),
            MaxBackoff = TimeSpan.FromDays(1),
            BackoffJitter = TimeSpan.FromDays(1),
        };

        TimeSpan last = default;
        for (var i = 0; i < 200; i++)
        {
            last = schedule.NextDelay(options, TimeSpan.Zero, null);
            Assert.InRange(last, TimeSpan.FromTicks(1), options.MaxBackoff);
        }

        Assert.Equal(options.MaxBackoff, last);
    }

    [Fact]
    public void A_lower_cap_from_a_reload_applies_at_the_next_delay()
    {
        var schedule = new BackoffSchedule(() => 0);
        var options = Options(maxSeconds: 600);
        _ = Seconds(schedule, options, 6);

        Assert.Equal(TimeSpan.FromSeconds(5), schedule.NextDelay(Options(maxSeconds: 5), ShortRun, null));
    }
}
