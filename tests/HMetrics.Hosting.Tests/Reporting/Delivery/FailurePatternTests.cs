namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// How delivery tells random loss from an outage (docs/behaviour.md, "Failures"): by the outcomes of quick retries, a
/// moving average in which each new outcome weighs a tenth. Quick retries that keep failing are an outage; the endpoint
/// looks random while at least a quarter of them succeed (the average of successes is at least 0.25).
/// </summary>
public sealed class FailurePatternTests
{
    // The moving average written out as a weighted sum, not as the class's running update: outcome i of n weighs
    // 0.1 × 0.9^(n−1−i), and the starting 0 weighs what is left.
    private static double Average(IReadOnlyList<bool> successes) =>
        successes.Select((succeeded, i) => succeeded ? 0.1 * Math.Pow(0.9, successes.Count - 1 - i) : 0).Sum();

    [Fact]
    public void It_starts_as_an_outage_and_takes_three_quick_successes_to_look_random()
    {
        var pattern = new FailurePattern();
        Assert.False(pattern.LooksRandom);

        // 0.1, 0.19, 0.271: each success moves the average a tenth of the way to 1.
        pattern.QuickRetry(succeeded: true);
        pattern.QuickRetry(succeeded: true);
        Assert.False(pattern.LooksRandom);
        pattern.QuickRetry(succeeded: true);
        Assert.True(pattern.LooksRandom);
    }

    [Fact]
    public void An_outage_never_looks_random_however_long_it_lasts()
    {
        var pattern = new FailurePattern();
        for (var i = 0; i < 10_000; i++)
        {
            pattern.QuickRetry(succeeded: false);
            Assert.False(pattern.LooksRandom);
        }
    }

    [Fact]
    public void Whatever_came_before_fourteen_failed_quick_retries_in_a_row_end_the_random_look()
    {
        // 0.9^13 ≈ 0.254 ≥ 0.25 > 0.9^14 ≈ 0.229: from an average of 1, thirteen failures are not enough and fourteen are.
        var pattern = new FailurePattern();
        for (var i = 0; i < 500; i++)
        {
            pattern.QuickRetry(succeeded: true);
        }

        for (var i = 1; i <= 14; i++)
        {
            pattern.QuickRetry(succeeded: false);
            Assert.Equal(i < 14, pattern.LooksRandom);
        }
    }

    [Fact]
    public void Over_generated_outcomes_it_looks_random_exactly_while_the_weighted_average_of_successes_is_a_quarter_or_more()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);

            // Each sequence has its own success share, from an outage (0) to an endpoint that barely fails (1).
            var share = random.NextDouble();
            var pattern = new FailurePattern();
            var outcomes = new List<bool>();
            for (var i = 0; i < 80; i++)
            {
                var succeeded = random.NextDouble() < share;
                outcomes.Add(succeeded);
                pattern.QuickRetry(succeeded);
                var average = Average(outcomes);

                // Floating-point sums in a different order may differ in the last bits: a hair's breadth from the
                // threshold is left undecided.
                if (Math.Abs(average - FailurePattern.RandomAtLeast) > 1e-9)
                {
                    Assert.True(
                        pattern.LooksRandom == average >= 0.25,
                        $"seed {seed}, outcome {i}: average {average}, looks random {pattern.LooksRandom}");
                }
            }
        }
    }

    [Fact]
    public void Failures_scattered_among_successes_look_random_and_a_run_of_them_does_not()
    {
        // Quick retries against an endpoint that loses a third of requests at random: one in three fails.
        var scattered = new FailurePattern();
        for (var i = 0; i < 60; i++)
        {
            scattered.QuickRetry(succeeded: i % 3 != 0);
        }

        Assert.True(scattered.LooksRandom);

        // The same share of failures in one run (an endpoint down for a while, then back): the run ends the random look.
        var run = new FailurePattern();
        for (var i = 0; i < 60; i++)
        {
            run.QuickRetry(succeeded: i < 40);
        }

        Assert.False(run.LooksRandom);
    }
}
