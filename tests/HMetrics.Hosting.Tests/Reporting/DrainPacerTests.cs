using Microsoft.Extensions.Time.Testing;

namespace HMetrics.Hosting.Tests.Reporting;

/// <summary>
/// Nothing waits in steady state; after an outage a ramp-in gap, then a calm drain; once the endpoint flaps, an urgent
/// drain until the all-clear.
/// </summary>
public sealed class DrainPacerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _time = new();

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Gaps_span_their_ranges_and_never_exceed_an_interval()
    {
        Assert.Equal((S(14), S(17)), (DrainPacer.RampInGap(Interval, 0), DrainPacer.RampInGap(Interval)));
        Assert.Equal((S(10), S(14)), (DrainPacer.CalmGap(Interval, 0), DrainPacer.CalmGap(Interval)));
        Assert.Equal((S(8), S(11.2)), (DrainPacer.UrgentGap(Interval, 0), DrainPacer.UrgentGap(Interval)));
        foreach (var gap in new Func<TimeSpan, double, TimeSpan>[] { DrainPacer.RampInGap, DrainPacer.CalmGap, DrainPacer.UrgentGap })
        {
            Assert.InRange(gap(Interval, Math.BitDecrement(1.0)), S(14), Interval);
        }
    }

    [Fact]
    public void The_gap_counts_from_the_answer_not_from_when_the_delivery_is_booked()
    {
        var pacer = new DrainPacer(_time);
        pacer.Failed();
        var answeredAt = _time.GetTimestamp();

        // The loop may book the delivery late (it logs first; a test clock may have moved on meanwhile).
        _time.Advance(S(19));
        pacer.Delivered(answeredAt, waitingBehind: false, waited: false);

        Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5));
    }

    [Fact]
    public void In_steady_state_nothing_waits()
    {
        var pacer = new DrainPacer(_time);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
            pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: false);
            _time.Advance(Interval);
        }
    }

    [Fact]
    public void After_an_outage_the_second_POST_waits_a_ramp_in_gap_and_the_backlog_then_drains_calmly()
    {
        var pacer = new DrainPacer(_time);
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: false);
        _time.Advance(Interval);
        pacer.Failed();
        _time.Advance(S(60));

        // The recovery itself goes out at once: Polly already waited.
        Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: false);

        Assert.Equal(DrainPacer.RampInGap(Interval), pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5));
        _time.Advance(DrainPacer.RampInGap(Interval));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: true);

        Assert.Equal(DrainPacer.CalmGap(Interval), pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5));
        _time.Advance(DrainPacer.CalmGap(Interval));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: true);

        // The first regular sample after the backlog is still paced, counted from the last POST; then the drain is over.
        _time.Advance(S(3));
        Assert.Equal(DrainPacer.CalmGap(Interval) - S(3), pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
        _time.Advance(DrainPacer.CalmGap(Interval) - S(3));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: true);
        _time.Advance(Interval);
        Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
    }

    [Fact]
    public void The_ramp_in_applies_even_when_nothing_waited_behind_the_recovery()
    {
        var pacer = new DrainPacer(_time);
        pacer.Failed();
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: false);
        _time.Advance(S(5));

        Assert.Equal(DrainPacer.RampInGap(Interval) - S(5), pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
        _time.Advance(DrainPacer.RampInGap(Interval) - S(5));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: true);

        // That sample was paced, so the next one is too (calmly); the one after that goes on its schedule.
        _time.Advance(Interval);
        Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: false);
        _time.Advance(Interval);
        Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
    }

    [Fact]
    public void A_failure_after_a_recovery_means_the_endpoint_flaps_the_drain_turns_urgent_without_a_ramp_in()
    {
        var pacer = new DrainPacer(_time);
        pacer.Failed();
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: false);
        _ = pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5);

        // It fails again during the drain, then recovers.
        pacer.Failed();
        _time.Advance(S(30));
        Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: false);

        Assert.Equal(DrainPacer.UrgentGap(Interval, 0), pacer.WaitBeforeSend(waitingBehind: true, Interval, 0));
        _time.Advance(DrainPacer.UrgentGap(Interval, 0));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: true);
        Assert.Equal(DrainPacer.UrgentGap(Interval, 0.99), pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.99));
        _time.Advance(DrainPacer.UrgentGap(Interval, 0.99));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: true);

        // Only samples still waiting are urgent: the backlog's last sample goes calmly.
        Assert.Equal(DrainPacer.CalmGap(Interval), pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
    }

    [Fact]
    public void The_all_clear_forgets_the_flapping_and_the_next_outage_ramps_in_again()
    {
        var pacer = new DrainPacer(_time);
        pacer.Failed();
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: false);
        pacer.Failed();
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: false);

        pacer.AllClear();
        _time.Advance(S(300));
        Assert.Equal(TimeSpan.Zero, pacer.WaitBeforeSend(waitingBehind: false, Interval, 0.5));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: false, waited: false);
        pacer.Failed();
        _time.Advance(S(30));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: false);

        Assert.Equal(DrainPacer.RampInGap(Interval), pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5));
        _time.Advance(DrainPacer.RampInGap(Interval));
        pacer.Delivered(_time.GetTimestamp(), waitingBehind: true, waited: true);
        Assert.Equal(DrainPacer.CalmGap(Interval), pacer.WaitBeforeSend(waitingBehind: true, Interval, 0.5));
    }
}
