namespace HMetrics.Hosting.Tests.Reporting.Sampling;

/// <summary>Due times counted from the start: late wake-ups never drift the grid; a new interval applies from the last sample.</summary>
public sealed class SampleScheduleTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Late_wake_ups_do_not_drift_the_schedule()
    {
        var schedule = new SampleSchedule(S(20), S(20));

        schedule.Taken(S(20.7));
        Assert.Equal(S(40), schedule.NextDue);
        schedule.Taken(S(40.01));
        Assert.Equal(S(60), schedule.NextDue);
    }

    [Fact]
    public void A_stall_longer_than_an_interval_collapses_the_missed_ticks_into_one_on_the_same_grid()
    {
        var schedule = new SampleSchedule(S(20), S(20));

        schedule.Taken(S(75));

        Assert.Equal(S(80), schedule.NextDue);
    }

    [Fact]
    public void A_shorter_interval_is_due_one_new_interval_after_the_last_sample()
    {
        var schedule = new SampleSchedule(S(30), S(30));
        schedule.Taken(S(30));

        schedule.Retime(S(5), S(31));

        Assert.Equal(S(35), schedule.NextDue);
    }

    [Fact]
    public void A_shorter_interval_whose_moment_has_passed_is_due_at_once()
    {
        var schedule = new SampleSchedule(S(1), S(1));
        schedule.Taken(S(1));
        schedule.Taken(S(2));
        schedule.Retime(S(86400), S(2));
        Assert.Equal(S(86402), schedule.NextDue);

        schedule.Retime(S(1), S(7));

        Assert.Equal(S(7), schedule.NextDue);
    }
}
