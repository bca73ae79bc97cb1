namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// Nothing waits in steady state. After an outage (three failures or more) a ramp-in gap, then a calm drain; after a short
/// failure or once the endpoint flaps, an urgent drain; against random loss, a quick one. Gaps count from the last POST.
/// </summary>
public sealed class DrainPacerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private TimeSpan _now = TimeSpan.FromHours(1);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    // What the state machine does for one POST: plan, wait what the plan says, send.
    private TimeSpan WaitBeforeSend(DrainPacer pacer, bool waitingBehind, double jitterSample = 0.5, bool random = false, bool paidRetry = false)
    {
        var plan = pacer.Plan(waitingBehind, Interval, jitterSample, random, paidRetry);
        var wait = pacer.WaitFor(plan, _now);
        pacer.Sent(plan);
        return wait;
    }

    private void Fail(DrainPacer pacer, int times, TimeSpan every)
    {
        for (var i = 0; i < times; i++)
        {
            pacer.Failed(_now);
            _now += every;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(25)]
    [InlineData(3600)]
    public void A_first_post_with_samples_already_behind_it_waits_for_nothing(double nowSeconds)
    {
        // Found by the chaos suite: a logger blocking the host's start for more than an interval made the very first POST
        // a paced one, and the gap counted from "no POST yet" overflowed into the last-resort catch.
        var pacer = new DrainPacer();

        var plan = pacer.Plan(waitingBehind: true, Interval, 0.5, random: false, paidRetry: false);

        Assert.True(plan.Paced);
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor(plan, S(nowSeconds)));
    }

    [Fact]
    public void Gaps_span_their_ranges_and_only_the_ramp_in_may_exceed_an_interval()
    {
        Assert.Equal((S(16), S(28)), (DrainPacer.RampInGap(Interval, 0), DrainPacer.RampInGap(Interval)));
        Assert.Equal((S(15), S(17.5)), (DrainPacer.CalmGap(Interval, 0), DrainPacer.CalmGap(Interval)));
        Assert.Equal((S(9), S(12)), (DrainPacer.UrgentGap(Interval, 0), DrainPacer.UrgentGap(Interval)));
        Assert.Equal((S(1), S(2)), (DrainPacer.QuickGap(Interval, 0), DrainPacer.QuickGap(Interval)));
        foreach (var gap in new Func<TimeSpan, double, TimeSpan>[] { DrainPacer.CalmGap, DrainPacer.UrgentGap, DrainPacer.QuickGap })
        {
            Assert.True(gap(Interval, Math.BitDecrement(1.0)) <= Interval);
        }
    }

    [Fact]
    public void A_plan_changes_nothing_until_it_is_sent_however_often_the_loop_asks()
    {
        var pacer = new DrainPacer();
        Fail(pacer, 3, Interval);
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: false);

        // Asked again and again while waiting (the loop re-checks expiry after every wait): the ramp-in stays planned.
        for (var i = 0; i < 3; i++)
        {
            var plan = pacer.Plan(waitingBehind: true, Interval, 0.5, random: false, paidRetry: false);
            Assert.Equal(DrainPacer.RampInGap(Interval), plan.Gap);
            Assert.Equal(DrainPacer.RampInGap(Interval) - S(i), pacer.WaitFor(plan, _now + S(i)));
        }

        pacer.Sent(pacer.Plan(waitingBehind: true, Interval, 0.5, random: false, paidRetry: false));
        Assert.Equal(DrainPacer.CalmGap(Interval), pacer.Plan(waitingBehind: true, Interval, 0.5, random: false, paidRetry: false).Gap);
    }

    [Fact]
    public void In_steady_state_nothing_waits()
    {
        var pacer = new DrainPacer();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: false));
            pacer.Delivered(_now, waitingBehind: false, waited: false, random: false);
            _now += Interval;
        }
    }

    [Fact]
    public void After_an_outage_the_second_POST_ramps_in_and_the_backlog_then_drains_calmly()
    {
        var pacer = new DrainPacer();
        Fail(pacer, 3, Interval);

        // The recovery itself goes at once (the retry waited for its tick); the next waits a ramp-in, then calm gaps.
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: true));
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: false);

        Assert.Equal(DrainPacer.RampInGap(Interval), WaitBeforeSend(pacer, waitingBehind: true));
        _now += DrainPacer.RampInGap(Interval);
        pacer.Delivered(_now, waitingBehind: true, waited: true, random: false);

        Assert.Equal(DrainPacer.CalmGap(Interval), WaitBeforeSend(pacer, waitingBehind: true));
        _now += DrainPacer.CalmGap(Interval);
        pacer.Delivered(_now, waitingBehind: false, waited: true, random: false);

        // The first regular sample after the backlog is still paced, counted from the last POST; then the drain is over.
        _now += S(3);
        Assert.Equal(DrainPacer.CalmGap(Interval) - S(3), WaitBeforeSend(pacer, waitingBehind: false));
        _now += DrainPacer.CalmGap(Interval) - S(3);
        pacer.Delivered(_now, waitingBehind: false, waited: true, random: false);
        _now += Interval;
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: false));
    }

    [Fact]
    public void A_short_failure_drains_urgently_without_a_ramp_in()
    {
        var pacer = new DrainPacer();
        Fail(pacer, 1, Interval);

        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: true));
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: false);

        Assert.Equal(DrainPacer.UrgentGap(Interval), WaitBeforeSend(pacer, waitingBehind: true));
    }

    [Fact]
    public void A_failure_after_a_recovery_means_the_endpoint_flaps_and_an_outage_then_drains_urgently_too()
    {
        var pacer = new DrainPacer();
        Fail(pacer, 3, Interval);
        _ = WaitBeforeSend(pacer, waitingBehind: true);
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: false);
        _ = WaitBeforeSend(pacer, waitingBehind: true);

        // It fails again for three attempts, then recovers: flapping, so no ramp-in and no calm drain this time.
        Fail(pacer, 3, Interval);
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: true));
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: false);
        Assert.Equal(DrainPacer.UrgentGap(Interval, 0), WaitBeforeSend(pacer, waitingBehind: true, jitterSample: 0));

        // The all-clear forgets it: the next outage ramps in again.
        pacer.AllClear();
        _now += S(300);
        Fail(pacer, 3, Interval);
        _ = WaitBeforeSend(pacer, waitingBehind: true);
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: false);
        Assert.Equal(DrainPacer.RampInGap(Interval), WaitBeforeSend(pacer, waitingBehind: true));
    }

    [Fact]
    public void Against_random_loss_the_backlog_goes_quickly_and_even_an_outage_does_not_ramp_in()
    {
        var pacer = new DrainPacer();
        Fail(pacer, 3, S(1));
        Assert.Equal(TimeSpan.Zero, WaitBeforeSend(pacer, waitingBehind: true, random: true, paidRetry: true));
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: true);

        Assert.Equal(DrainPacer.QuickGap(Interval), WaitBeforeSend(pacer, waitingBehind: true, random: true));
    }

    [Fact]
    public void A_paid_retry_goes_unpaced_and_an_unpaid_one_counts_its_gap_from_the_failure()
    {
        var pacer = new DrainPacer();
        pacer.Delivered(_now, waitingBehind: true, waited: false, random: false);
        _now += S(5);
        pacer.Failed(_now);

        // Paid: Polly's short delay is all it waits (it probes whether the failure was random).
        var paid = pacer.Plan(waitingBehind: true, Interval, 0.5, random: false, paidRetry: true);
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor(paid, _now + S(1)));

        // Unpaid (it waited for the next tick): paced from the failure, never from the success before it.
        var unpaid = pacer.Plan(waitingBehind: true, Interval, 0.5, random: false, paidRetry: false);
        Assert.Equal(DrainPacer.UrgentGap(Interval) - S(4), pacer.WaitFor(unpaid, _now + S(4)));
    }
}
