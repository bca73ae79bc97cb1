using HMetrics.Hosting.Tests.Helpers;

namespace HMetrics.Hosting.Tests.Reporting.Sampling;

/// <summary>
/// Issue 19, item 3: the sampler's one timer on fake time, under reloads. A new interval applies from the last sample
/// (at once when that moment has passed), a new schema from the next sample; the final sample and a stop end the timer.
/// </summary>
public sealed class SamplerTests : IDisposable
{
    private readonly TestTimeProvider _time = new();
    private readonly SampleBacklog _backlog = new(Seconds(20));
    private readonly RuntimeReader _reader = new(new ProcessCounterLedger());
    private readonly SteadyClock _clock;
    private readonly Sampler _sampler;
    private readonly List<Sample> _taken = [];
    private int _signalled;

    public SamplerTests()
    {
        _clock = new SteadyClock(_time, _time.GetTimestamp());
        _sampler = new Sampler(_reader, _backlog, Settings(Seconds(20)), _clock, SafeLogger.None, new RecordingObserver(), new StartPhase(static () => 0), () => _signalled++);
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _reader.Dispose();
    }

    [Fact]
    public void Samples_are_taken_one_interval_apart_counted_from_the_start_and_each_is_signalled()
    {
        Advance(19.999);
        Assert.Empty(Taken());

        Advance(0.001);
        Advance(20);

        Assert.Equal([(Seconds(20), Seconds(20)), (Seconds(40), Seconds(20))], Taken().Select(s => (s.TakenAt, s.Interval)));
        Assert.Equal(2, _signalled);
    }

    [Theory]
    [InlineData(25, 25)] // one new interval after the last sample (20 s) is 25 s: due now
    [InlineData(22, 25)] // still ahead: due then
    [InlineData(38, 38)] // long past: due now, not in the past
    public void A_shorter_interval_reloaded_between_ticks_is_due_one_new_interval_after_the_last_sample(double reloadAt, double firstAt)
    {
        Advance(20);
        Advance(reloadAt - 20);

        _sampler.Apply(Settings(Seconds(5)));
        Advance(0);
        Advance(firstAt - reloadAt);
        Advance(5);

        Assert.Equal([20, firstAt, firstAt + 5], Taken().Select(s => s.TakenAt.TotalSeconds));
        Assert.Equal([20d, 5, 5], Taken().Select(s => s.Interval.TotalSeconds));
    }

    [Fact]
    public void A_longer_interval_reloaded_between_ticks_moves_the_next_sample_to_one_new_interval_after_the_last()
    {
        Advance(20);
        Advance(5);

        _sampler.Apply(Settings(TimeSpan.FromMinutes(5)));
        Advance(294.999);
        Assert.Single(Taken());

        Advance(0.001);
        Advance(300);
        Assert.Equal([20d, 320, 620], Taken().Select(s => s.TakenAt.TotalSeconds));
    }

    [Fact]
    public void A_schema_reloaded_between_ticks_applies_from_the_next_sample_and_leaves_the_taken_one_alone()
    {
        Advance(20);
        _sampler.Apply(Settings(Seconds(20), HerokuMetricsSchema.DotNet));
        Advance(20);
        _sampler.Apply(Settings(Seconds(20), HerokuMetricsSchema.Both));
        Advance(20);

        Assert.Equal([HerokuMetricsSchema.Go, HerokuMetricsSchema.DotNet, HerokuMetricsSchema.Both], Taken().Select(s => s.Schema));
    }

    [Fact]
    public void The_final_sample_is_taken_at_once_and_nothing_after_it()
    {
        Advance(20);
        Advance(7);

        _sampler.TakeFinal();
        Advance(60);
        _sampler.Apply(Settings(Seconds(5)));
        Advance(60);

        Assert.Equal([20d, 27], Taken().Select(s => s.TakenAt.TotalSeconds));
        Assert.Equal(1, _signalled);
    }

    [Fact]
    public void A_stop_takes_nothing_more_and_a_later_reload_does_not_rearm_the_timer()
    {
        Advance(20);

        _sampler.Stop();
        _sampler.Apply(Settings(Seconds(5)));
        Advance(120);

        Assert.Single(Taken());
    }

    private static TimeSpan Seconds(double value) => TimeSpan.FromSeconds(value);

    private static ReporterSettings Settings(TimeSpan interval, HerokuMetricsSchema schema = HerokuMetricsSchema.Go)
    {
        var options = new HerokuMetricsOptions { Endpoint = "http://127.0.0.1:9/metrics/sampler", PostInterval = interval, Schema = schema };
        Assert.True(ReporterSettings.TryCreate(options, previous: null, out var settings));
        return settings!;
    }

    private void Advance(double seconds) => _time.Advance(Seconds(seconds));

    // Every sample taken so far: what the backlog holds is moved out (a copy of the fields), so it never fills up.
    private List<Sample> Taken()
    {
        while (_backlog.TryBeginSend(out var sample))
        {
            _taken.Add(new Sample { TakenAt = sample.TakenAt, Interval = sample.Interval, Schema = sample.Schema, MeasuredAt = sample.MeasuredAt });
            _backlog.EndSend(remove: true);
        }

        return _taken;
    }
}
