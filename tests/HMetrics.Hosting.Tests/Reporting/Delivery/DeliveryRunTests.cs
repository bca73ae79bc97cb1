namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// When Polly's attempt count restarts (docs/behaviour.md, "Failures"): after delivery has succeeded for the all-clear
/// window, counted from the start of the run; once the backlog is delivered after failures; at a success while the
/// endpoint looks random. Never before a delivery, and an execution that fails again first keeps climbing.
/// </summary>
public sealed class DeliveryRunTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void A_run_that_delivered_is_all_clear_once_the_window_has_passed_since_it_began_not_since_the_delivery()
    {
        var run = new DeliveryRun();
        run.Begin(S(100));
        run.Delivered(caughtUp: false);

        Assert.False(run.IsAllClear(S(100) + Window - TimeSpan.FromTicks(1), Window, random: false));
        Assert.True(run.IsAllClear(S(100) + Window, Window, random: false));
    }

    [Fact]
    public void Without_failures_catching_up_or_looking_random_does_not_end_the_window_early()
    {
        var run = new DeliveryRun();
        run.Begin(S(0));
        run.Delivered(caughtUp: true);

        Assert.False(run.IsAllClear(S(30), Window, random: true));
        Assert.True(run.IsAllClear(S(60), Window, random: false));
    }

    [Fact]
    public void Nothing_is_all_clear_before_a_delivery_of_the_run_however_long_it_lasts()
    {
        var run = new DeliveryRun();
        run.Begin(S(0));
        Assert.False(run.IsAllClear(TimeSpan.FromDays(1), Window, random: false));

        // Nor after a failure: the next run has delivered nothing yet, whatever the run before it did.
        run.Delivered(caughtUp: true);
        run.Failed();
        run.Begin(S(10));
        Assert.False(run.IsAllClear(TimeSpan.FromDays(1), Window, random: true));
    }

    [Theory]
    [InlineData(true, false, true)] // the backlog delivered after failures
    [InlineData(false, true, true)] // a success while the failures look random
    [InlineData(true, true, true)]
    [InlineData(false, false, false)] // samples still wait, failures not random: only the window
    public void After_failures_a_delivery_is_all_clear_at_once_when_it_caught_up_or_the_endpoint_looks_random(bool caughtUp, bool random, bool allClear)
    {
        var run = new DeliveryRun();
        run.Begin(S(0));
        run.Failed();
        run.Begin(S(20));
        run.Delivered(caughtUp);

        Assert.Equal(allClear, run.IsAllClear(S(20), Window, random));
        Assert.True(run.IsAllClear(S(20) + Window, Window, random));
    }

    [Fact]
    public void An_execution_that_fails_again_before_the_all_clear_keeps_climbing()
    {
        // A recovery with samples still waiting, then a failure: the next run has delivered nothing, and the one after
        // it is all clear only once it too delivers (and catches up), or after a whole window of its own.
        var run = new DeliveryRun();
        run.Begin(S(0));
        run.Failed();
        run.Begin(S(20));
        run.Delivered(caughtUp: false);
        Assert.False(run.IsAllClear(S(40), Window, random: false));
        run.Failed();

        run.Begin(S(45));
        Assert.False(run.IsAllClear(S(200), Window, random: false));
        run.Delivered(caughtUp: false);
        Assert.False(run.IsAllClear(S(45) + Window - TimeSpan.FromTicks(1), Window, random: false));
        run.Delivered(caughtUp: true);
        Assert.True(run.IsAllClear(S(50), Window, random: false));
    }

    [Fact]
    public void The_all_clear_forgets_the_failures_so_the_next_execution_needs_its_own()
    {
        var run = new DeliveryRun();
        run.Begin(S(0));
        run.Failed();
        run.Begin(S(20));
        run.Delivered(caughtUp: true);
        Assert.True(run.IsAllClear(S(20), Window, random: false));

        // A fresh execution that has not failed: catching up no longer ends it, only the window.
        run.Begin(S(21));
        run.Delivered(caughtUp: true);
        Assert.False(run.IsAllClear(S(22), Window, random: true));
        Assert.True(run.IsAllClear(S(81), Window, random: false));
    }

    [Fact]
    public void Over_generated_runs_it_is_all_clear_only_after_a_delivery_of_the_run_and_for_one_of_the_three_reasons()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var run = new DeliveryRun();
            var now = S(0);
            var began = now;
            run.Begin(now);
            var (delivered, failedSinceClear, caughtUp) = (false, false, false);
            for (var step = 0; step < 40; step++)
            {
                now += S(random.Next(0, 30));
                var looksRandom = random.Next(4) == 0;
                switch (random.Next(3))
                {
                    case 0:
                        caughtUp = random.Next(2) == 0;
                        run.Delivered(caughtUp);
                        delivered = true;
                        break;
                    case 1:
                        // A failure ends the run; Polly starts the next after its delay.
                        run.Failed();
                        failedSinceClear = true;
                        now += S(random.Next(1, 21));
                        run.Begin(now);
                        (began, delivered) = (now, false);
                        break;
                }

                var expected = delivered && (now - began >= Window || (failedSinceClear && (caughtUp || looksRandom)));
                Assert.True(expected == run.IsAllClear(now, Window, looksRandom), $"seed {seed}, step {step}");
                if (expected)
                {
                    // The loop ends the execution and begins the next run at once.
                    failedSinceClear = false;
                    run.Begin(now);
                    (began, delivered) = (now, false);
                }
            }
        }
    }
}
