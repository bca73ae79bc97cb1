namespace HMetrics.Hosting.Tests.Reporting.Sampling;

/// <summary>The ring of samples: oldest first, drops by steady-clock age, never reuses the slot being sent.</summary>
public sealed class SampleBacklogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    // A sample taken at `seconds` on both clocks, marked with `mark` in its first counter; what had to make room.
    private static (int Count, DateTimeOffset From, DateTimeOffset To) Add(SampleBacklog backlog, double seconds, double mark = 1) =>
        Add(backlog, T0.AddSeconds(seconds), S(seconds), mark);

    private static (int Count, DateTimeOffset From, DateTimeOffset To) Add(SampleBacklog backlog, DateTimeOffset measuredAt, TimeSpan takenAt, double mark = 1) =>
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
    public void The_oldest_is_dropped_or_carried_into_the_next_but_never_while_in_flight()
    {
        var backlog = new SampleBacklog(S(20));
        _ = Add(backlog, 20, mark: 3);
        _ = Add(backlog, 40, mark: 5);
        _ = Add(backlog, 60, mark: 7);

        // Carried: the next keeps its own time and gauges, adds the counts and remembers how old they are.
        Assert.Equal(T0.AddSeconds(20), backlog.MergeOldestIntoNext());
        Assert.True(backlog.TryPeekOldest(out var carrier));
        Assert.Equal((T0.AddSeconds(40), 8d, S(20)), (carrier.MeasuredAt, carrier.Counters[0], carrier.CountsSince));

        // Dropped whole.
        Assert.Equal(T0.AddSeconds(40), backlog.DropOldest());
        Assert.True(backlog.TryPeekOldest(out var last));
        Assert.Equal(7, last.Counters[0]);

        // In flight: neither.
        Assert.True(backlog.TryBeginSend(out _));
        Assert.Null(backlog.DropOldest());
        Assert.Null(backlog.MergeOldestIntoNext());
        Assert.Equal(1, backlog.Count);
    }

    [Fact]
    public void A_full_backlog_drops_its_oldest_and_spares_the_sample_being_sent()
    {
        var backlog = new SampleBacklog(TimeSpan.FromMinutes(2)); // capacity 3
        Assert.Equal(3, backlog.Capacity);
        for (var t = 0; t < 3; t++)
        {
            Assert.Equal(0, Add(backlog, t, mark: t).Count);
        }

        Assert.True(backlog.TryBeginSend(out var inFlight));
        Assert.True(backlog.TryPeekInFlight(out var peeked));
        Assert.Same(inFlight, peeked);

        // Full with the head in flight: the spare slot takes one more, then the sample after the head makes room.
        Assert.Equal(0, Add(backlog, 3, mark: 3).Count);
        Assert.Equal((1, T0.AddSeconds(1), T0.AddSeconds(1)), Add(backlog, 4, mark: 4));
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
    public void When_several_samples_must_make_room_at_once_all_of_them_are_reported()
    {
        // A reload to a longer interval shrinks the ring (12 slots to 2) while ten samples wait: the next sample pushes
        // out nine, and says so, so that each is counted as dropped rather than lost without a word.
        var backlog = new SampleBacklog(S(20));
        for (var t = 1; t <= 10; t++)
        {
            _ = Add(backlog, t);
        }

        backlog.Resize(TimeSpan.FromMinutes(5));

        Assert.Equal((9, T0.AddSeconds(1), T0.AddSeconds(9)), Add(backlog, 11));
        Assert.Equal(2, backlog.Count);

        // A failed send that held the spare slot: once it ends, the next sample pushes out two.
        var full = new SampleBacklog(TimeSpan.FromMinutes(2)); // capacity 3
        for (var t = 1; t <= 3; t++)
        {
            _ = Add(full, t);
        }

        Assert.True(full.TryBeginSend(out _));
        Assert.Equal(0, Add(full, 4).Count);
        full.EndSend(remove: false);
        Assert.Equal((2, T0.AddSeconds(1), T0.AddSeconds(2)), Add(full, 5));
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
