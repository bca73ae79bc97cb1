using System.Buffers;

namespace HMetrics.Hosting.Tests.Reporting;

/// <summary>The ring of samples: oldest first, drops by age, never reuses the slot being sent.</summary>
public sealed class SampleBacklogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset? Add(SampleBacklog backlog, double seconds, int count = 1) =>
        backlog.Add(T0.AddSeconds(seconds), static (sample, c) =>
        {
            sample.Body.Write("{}"u8);
            return c;
        }, count);

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
        var backlog = new SampleBacklog(TimeSpan.FromSeconds(20));
        _ = Add(backlog, 20, count: 1);
        _ = Add(backlog, 40, count: 2);

        Assert.True(backlog.TryBeginSend(out var first));
        Assert.Equal(T0.AddSeconds(20), first.MeasuredAt);
        backlog.EndSend(remove: false);
        Assert.True(backlog.TryBeginSend(out var again));
        Assert.Same(first, again);
        backlog.EndSend(remove: true);

        Assert.True(backlog.TryBeginSend(out var second));
        Assert.Equal(2, second.Count);
        backlog.EndSend(remove: true);
        Assert.False(backlog.TryBeginSend(out _));
    }

    [Fact]
    public void Expired_samples_are_dropped_with_their_span_but_never_the_one_in_flight()
    {
        var backlog = new SampleBacklog(TimeSpan.FromSeconds(20));
        for (var t = 20; t <= 100; t += 20)
        {
            _ = Add(backlog, t);
        }

        var (count, from, to) = backlog.DropOlderThan(T0.AddSeconds(70));
        Assert.Equal((3, T0.AddSeconds(20), T0.AddSeconds(60)), (count, from, to));

        Assert.True(backlog.TryBeginSend(out var inFlight));
        Assert.Equal(0, backlog.DropOlderThan(T0.AddSeconds(1000)).Count);
        Assert.Equal(T0.AddSeconds(80), inFlight.MeasuredAt);
    }

    [Fact]
    public void A_full_backlog_drops_its_oldest_and_spares_the_sample_being_sent()
    {
        var backlog = new SampleBacklog(TimeSpan.FromMinutes(2)); // capacity 3
        Assert.Equal(3, backlog.Capacity);
        for (var t = 0; t < 3; t++)
        {
            Assert.Null(Add(backlog, t));
        }

        Assert.True(backlog.TryBeginSend(out var inFlight));
        var body = inFlight.Body.WrittenSpan.ToArray();

        // Full with the head in flight: the spare slot takes one more, then the sample after the head makes room.
        Assert.Null(Add(backlog, 3));
        Assert.Equal(T0.AddSeconds(1), Add(backlog, 4));
        Assert.Equal(T0.AddSeconds(0), inFlight.MeasuredAt);
        Assert.Equal(body, inFlight.Body.WrittenSpan.ToArray());

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
    public void Steady_state_reuses_one_slot()
    {
        var backlog = new SampleBacklog(TimeSpan.FromSeconds(20));
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
