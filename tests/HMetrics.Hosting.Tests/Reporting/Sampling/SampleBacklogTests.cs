namespace HMetrics.Hosting.Tests.Reporting.Sampling;

/// <summary>The ring of samples: oldest first, drops by steady-clock age, never reuses the slot being sent.</summary>
public sealed class SampleBacklogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    // A sample taken at `seconds` on both clocks, marked with `mark` in its first counter.
    private static DateTimeOffset? Add(SampleBacklog backlog, double seconds, double mark = 1) =>
        Add(backlog, T0.AddSeconds(seconds), S(seconds), mark);

    private static DateTimeOffset? Add(SampleBacklog backlog, DateTimeOffset measuredAt, TimeSpan takenAt, double mark = 1) =>
        backlog.Add(measuredAt, takenAt, static (sample, m) => sample.Counters[0] = m, mark);

    [Fact]
    public void Keeps_four_minutes_less_the_margin_and_sizes_itself_from_the_interval()
    {
        Assert.Equal(TimeSpan.FromSeconds(210), SampleBacklog.MaxAge);
        Assert.Equal(12, SampleBacklog.CapacityFor(TimeSpan.FromSeconds(20)));
        Assert.Equal(SampleBacklog.MaxCapacity, SampleBacklog.CapacityFor(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void Samples_come_out_oldest_first_and_a_failed_send_keeps_its_sample()
    {
        var backlog = new SampleBacklog(S(20));
        _ = Add(backlog, 20, mark: 1);
        _ = Add(backlog, 40, mark: 2);

        Assert.True(backlog.TryBeginSend(out var first));
        Assert.Equal(T0.AddSeconds(20), first.MeasuredAt);
        backlog.EndSend(remove: false);
        Assert.True(backlog.TryBeginSend(out var again));
        Assert.Same(first, again);
        backlog.EndSend(remove: true);

        Assert.True(backlog.TryBeginSend(out var second));
        Assert.Equal(2, second.Counters[0]);
        backlog.EndSend(remove: true);
        Assert.False(backlog.TryBeginSend(out _));
    }

    [Fact]
    public void Expired_samples_are_dropped_with_their_span_but_never_the_one_in_flight()
    {
        var backlog = new SampleBacklog(S(20));
        for (var t = 20; t <= 100; t += 20)
        {
            _ = Add(backlog, t);
        }

        var (count, from, to) = backlog.DropTakenBefore(S(70));
        Assert.Equal((3, T0.AddSeconds(20), T0.AddSeconds(60)), (count, from, to));

        Assert.True(backlog.TryBeginSend(out var inFlight));
        Assert.Equal(0, backlog.DropTakenBefore(S(1000)).Count);
        Assert.Equal(T0.AddSeconds(80), inFlight.MeasuredAt);
    }

    [Fact]
    public void Age_is_measured_on_the_steady_clock_whatever_the_wall_clock_stamped()
    {
        var backlog = new SampleBacklog(S(20));

        // The wall clock jumped back an hour between the two samples, then forward a day: ages do not care.
        _ = Add(backlog, T0, S(20));
        _ = Add(backlog, T0.AddHours(-1), S(40));
        _ = Add(backlog, T0.AddDays(1), S(60));

        Assert.Equal(1, backlog.DropTakenBefore(S(30)).Count);
        Assert.True(backlog.TryPeekOldest(out var oldest));
        Assert.Equal(S(40), oldest.TakenAt);
    }

    [Fact]
    public void A_full_backlog_drops_its_oldest_and_spares_the_sample_being_sent()
    {
        var backlog = new SampleBacklog(TimeSpan.FromMinutes(2)); // capacity 3
        Assert.Equal(3, backlog.Capacity);
        for (var t = 0; t < 3; t++)
        {
            Assert.Null(Add(backlog, t, mark: t));
        }

        Assert.True(backlog.TryBeginSend(out var inFlight));
        Assert.True(backlog.TryPeekInFlight(out var peeked));
        Assert.Same(inFlight, peeked);

        // Full with the head in flight: the spare slot takes one more, then the sample after the head makes room.
        Assert.Null(Add(backlog, 3, mark: 3));
        Assert.Equal(T0.AddSeconds(1), Add(backlog, 4, mark: 4));
        Assert.Equal(T0.AddSeconds(0), inFlight.MeasuredAt);
        Assert.Equal(0, inFlight.Counters[0]);

        backlog.EndSend(remove: true);
        var left = new List<DateTimeOffset>();
        while (backlog.TryBeginSend(out var sample))
        {
            left.Add(sample.MeasuredAt);
            backlog.EndSend(remove: true);
        }

        Assert.Equal([T0.AddSeconds(2), T0.AddSeconds(3), T0.AddSeconds(4)], left);
    }

    [Fact]
    public void The_flush_sends_the_newest_first_then_the_rest_oldest_first_and_clear_counts_what_is_left()
    {
        var backlog = new SampleBacklog(S(20));
        for (var t = 20; t <= 80; t += 20)
        {
            _ = Add(backlog, t);
        }

        Assert.True(backlog.TryBeginSendNewest(out var newest));
        Assert.Equal(T0.AddSeconds(80), newest.MeasuredAt);
        backlog.EndSend(remove: true);
        Assert.True(backlog.TryBeginSend(out var oldest));
        Assert.Equal(T0.AddSeconds(20), oldest.MeasuredAt);
        backlog.EndSend(remove: true);

        Assert.Equal((2, T0.AddSeconds(40), T0.AddSeconds(60)), backlog.Clear());
        Assert.Equal(0, backlog.Count);
        Assert.False(backlog.TryPeekInFlight(out _));
    }

    [Fact]
    public void Steady_state_reuses_one_slot()
    {
        var backlog = new SampleBacklog(S(20));
        Sample? slot = null;
        for (var t = 0; t < 50; t++)
        {
            _ = Add(backlog, t);
            Assert.True(backlog.TryBeginSend(out var sample));
            slot ??= sample;
            Assert.Same(slot, sample);
            backlog.EndSend(remove: true);
        }
    }
}
