namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// Nothing waits in steady state; after an outage a ramp-in gap, then a calm drain; once the endpoint flaps, an urgent
/// drain until the all-clear.
/// </summary>
public sealed class DrainPacerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private TimeSpan _now = TimeSpan.FromHours(1);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    // What the state machine does for one POST: plan, wait what the plan says, send.
    private TimeSpan WaitBeforeSend(DrainPacer pacer, bool waitingBehind, TimeSpan interval, double jitterSample)
    {
        var plan = pacer.Plan(waitingBehind, interval, jitterSample);
        var wait = pacer.WaitFor(plan, _now);
        pacer.Sent(plan);
        return wait;
    }

    [Fact]
    public void A_plan_changes_nothing_until_it_is_sent_however_often_the_loop_asks()
    {
        var pacer = new DrainPacer();
        pacer.Failed();
        pacer.Delivered(_now, waitingBehind: true, waited: false);

        // Asked again and again while waiting (the loop re-checks expiry after every wait): the ramp-in stays planned.
        for (var i = 0; i < 3; i++)
        {
            var plan = pacer.Plan(waitingBehind: true, Interval, 0.5);
            Assert.Equal(DrainPacer.RampInGap(Interval), plan.Gap);
            Assert.Equal(DrainPacer.RampInGap(Interval) - S(i), pacer.WaitFor(plan, _now + S(i)));
        }

        pacer.Sent(pacer.Plan(waitingBehind: true, Interval, 0.5));
        Assert.Equal(DrainPacer.CalmGap(Interval), pacer.Plan(waitingBehind: true, Interval, 0.5).Gap);
    }

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
        var pacer = new DrainPacer();
        pacer.Failed();
        var answeredAt = _now;

        // The loop may book the delivery late (it logs first; a test clock may have moved on meanwhile).
        _now += S(19);
        pacer.Delivered(answeredAt, waitingBehind: false, waited: false);

        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5));
    }

    [Fact]
    public void In_steady_state_nothing_waits()
    {
        var pacer = new DrainPacer();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
            pacer.Delivered(_now, waitingBehind: false, waited: false);
            _now += Interval;
        }
    }

    [Fact]
    public void After_an_outage_the_second_POST_waits_a_ramp_in_gap_and_the_backlog_then_drains_calmly()
    {
        var pacer = new DrainPacer();
        pacer.Delivered(_now, waitingBehind: false, waited: false);
        _now += Interval;
        pacer.Failed();
        _now += S(60);

        // The recovery itself goes out at once: Polly already waited.
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5));
        pacer.Delivered(_now, waitingBehind: true, waited: false);

        Assert.Equal(DrainPacer.RampInGap(Interval), WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5));
        _now += DrainPacer.RampInGap(Interval);
        pacer.Delivered(_now, waitingBehind: true, waited: true);

        Assert.Equal(DrainPacer.CalmGap(Interval), WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5));
        _now += DrainPacer.CalmGap(Interval);
        pacer.Delivered(_now, waitingBehind: false, waited: true);

        // The first regular sample after the backlog is still paced, counted from the last POST; then the drain is over.
        _now += S(3);
        Assert.Equal(DrainPacer.CalmGap(Interval) - S(3), WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
        _now += DrainPacer.CalmGap(Interval) - S(3);
        pacer.Delivered(_now, waitingBehind: false, waited: true);
        _now += Interval;
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
    }

    [Fact]
    public void The_ramp_in_applies_even_when_nothing_waited_behind_the_recovery()
    {
        var pacer = new DrainPacer();
        pacer.Failed();
        pacer.Delivered(_now, waitingBehind: false, waited: false);
        _now += S(5);

        Assert.Equal(DrainPacer.RampInGap(Interval) - S(5), WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
        _now += DrainPacer.RampInGap(Interval) - S(5);
        pacer.Delivered(_now, waitingBehind: false, waited: true);

        // That sample was paced, so the next one is too (calmly); the one after that goes on its schedule.
        _now += Interval;
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
        pacer.Delivered(_now, waitingBehind: false, waited: false);
        _now += Interval;
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
    }

    [Fact]
    public void A_failure_after_a_recovery_means_the_endpoint_flaps_the_drain_turns_urgent_without_a_ramp_in()
    {
        var pacer = new DrainPacer();
        pacer.Failed();
        pacer.Delivered(_now, waitingBehind: true, waited: false);
        _ = WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5);

        // It fails again during the drain, then recovers.
        pacer.Failed();
        _now += S(30);
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5));
        pacer.Delivered(_now, waitingBehind: true, waited: false);

        Assert.Equal(DrainPacer.UrgentGap(Interval, 0), WaitBeforeSend(pacer, waitingBehind: true, Interval, 0));
        _now += DrainPacer.UrgentGap(Interval, 0);
        pacer.Delivered(_now, waitingBehind: true, waited: true);
        Assert.Equal(DrainPacer.UrgentGap(Interval, 0.99), WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.99));
        _now += DrainPacer.UrgentGap(Interval, 0.99);
        pacer.Delivered(_now, waitingBehind: true, waited: true);

        // Only samples still waiting are urgent: the backlog's last sample goes calmly.
        Assert.Equal(DrainPacer.CalmGap(Interval), WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
    }

    [Fact]
    public void The_all_clear_forgets_the_flapping_and_the_next_outage_ramps_in_again()
    {
        var pacer = new DrainPacer();
        pacer.Failed();
        pacer.Delivered(_now, waitingBehind: true, waited: false);
        pacer.Failed();
        pacer.Delivered(_now, waitingBehind: false, waited: false);

        pacer.AllClear();
        _now += S(300);
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: false, Interval, 0.5));
        pacer.Delivered(_now, waitingBehind: false, waited: false);
        pacer.Failed();
        _now += S(30);
        pacer.Delivered(_now, waitingBehind: true, waited: false);

        Assert.Equal(DrainPacer.RampInGap(Interval), WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5));
        _now += DrainPacer.RampInGap(Interval);
        pacer.Delivered(_now, waitingBehind: true, waited: true);
        Assert.Equal(DrainPacer.CalmGap(Interval), WaitBeforeSend(pacer, waitingBehind: true, Interval, 0.5));
    }
}
