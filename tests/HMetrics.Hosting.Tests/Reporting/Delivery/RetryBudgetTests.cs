namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// Which failures successes pay a quick retry for (docs/behaviour.md, "Failures"): normally one token per success, spent by
/// one retry, gone once a newer sample is taken; while the endpoint looks random, two per success, at most four, kept
/// across samples. An unpaid failure waits for a sample newer than the newest one it saw.
/// </summary>
public sealed class RetryBudgetTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    private enum Event
    {
        Success,
        Failure,
        NewSample,
    }

    // Seeded, so a failure names the sequence that made it; weighted towards failures, where the budget decides.
    private static IEnumerable<(int Seed, Event[] Events)> Sequences(int count = 300, int length = 60)
    {
        for (var seed = 0; seed < count; seed++)
        {
            var random = new Random(seed);
            yield return (seed, Enumerable.Range(0, length).Select(_ => random.Next(10) switch
            {
                < 3 => Event.Success,
                < 8 => Event.Failure,
                _ => Event.NewSample,
            }).ToArray());
        }
    }

    [Fact]
    public void Normally_a_failure_is_paid_exactly_when_the_last_outcome_since_the_newest_sample_was_a_success()
    {
        // The rule in the contract's words: a success since the newest sample earns a token, one retry spends it, a newer
        // sample ends it. So a failure is paid when the outcome just before it, since the newest sample was taken, was a
        // success: not after a failure (spent or none), not as the first outcome after a tick.
        foreach (var (seed, events) in Sequences())
        {
            var budget = new RetryBudget();
            var newest = Interval;
            Event? lastSinceSample = null;
            var successesSinceSample = 0;
            var paidSinceSample = 0;
            foreach (var e in events)
            {
                switch (e)
                {
                    case Event.NewSample:
                        newest += Interval;
                        (lastSinceSample, successesSinceSample, paidSinceSample) = (null, 0, 0);
                        break;
                    case Event.Success:
                        budget.Succeeded(newest, random: false);
                        (lastSinceSample, successesSinceSample) = (Event.Success, successesSinceSample + 1);
                        break;
                    default:
                        var paid = budget.Failed(newest, random: false);
                        Assert.True(paid == (lastSinceSample == Event.Success), $"seed {seed}: paid {paid} after {lastSinceSample}");
                        paidSinceSample += paid ? 1 : 0;
                        lastSinceSample = Event.Failure;
                        break;
                }

                // Never more quick retries since a sample than successes since it: while the endpoint is down, one
                // request per interval.
                Assert.True(paidSinceSample <= successesSinceSample, $"seed {seed}");
            }
        }
    }

    [Fact]
    public void An_unpaid_failure_holds_the_retry_until_a_sample_newer_than_the_failure_s_newest_exists()
    {
        foreach (var (seed, events) in Sequences())
        {
            var budget = new RetryBudget();
            var newest = Interval;
            TimeSpan? waitingFor = null;
            foreach (var e in events)
            {
                switch (e)
                {
                    case Event.NewSample:
                        newest += Interval;
                        break;
                    case Event.Success:
                        budget.Succeeded(newest, random: false);
                        waitingFor = null;
                        break;
                    default:
                        if (!budget.Failed(newest, random: false))
                        {
                            waitingFor = newest;
                        }

                        break;
                }

                // Asked as the loop asks, after every event, and twice: asking changes nothing.
                var expected = waitingFor is not { } w || newest > w;
                Assert.True(expected == budget.MayRetry(newest), $"seed {seed}: at {newest}, waiting for a sample after {waitingFor}");
                Assert.Equal(expected, budget.MayRetry(newest));
            }
        }
    }

    [Fact]
    public void One_token_per_success_spent_by_one_retry_and_gone_at_the_next_sample()
    {
        var budget = new RetryBudget();
        var sample = Interval;

        // The first request after a tick has no token: the one every dyno sends when an outage begins.
        Assert.False(budget.Failed(sample, random: false));
        Assert.False(budget.MayRetry(sample));
        Assert.True(budget.MayRetry(sample + Interval));

        // A success pays for one retry, not two, however many successes came before it in the same interval.
        sample += Interval;
        budget.Succeeded(sample, random: false);
        budget.Succeeded(sample, random: false);
        Assert.True(budget.Failed(sample, random: false));
        Assert.True(budget.MayRetry(sample));
        Assert.False(budget.Failed(sample, random: false));
        Assert.False(budget.MayRetry(sample));

        // A token earned before the newest sample was taken is gone.
        budget.Succeeded(sample, random: false);
        Assert.False(budget.Failed(sample + Interval, random: false));
        Assert.False(budget.MayRetry(sample + Interval));
        Assert.True(budget.MayRetry(sample + (2 * Interval)));
    }

    [Fact]
    public void While_random_two_tokens_per_success_at_most_four_kept_across_samples()
    {
        foreach (var (seed, events) in Sequences())
        {
            var budget = new RetryBudget();
            var newest = Interval;
            var tokens = 0;
            foreach (var e in events)
            {
                switch (e)
                {
                    case Event.NewSample:
                        // Kept across ticks: a tick changes nothing.
                        newest += Interval;
                        break;
                    case Event.Success:
                        budget.Succeeded(newest, random: true);
                        tokens = Math.Min(tokens + 2, 4);
                        break;
                    default:
                        var paid = budget.Failed(newest, random: true);
                        Assert.True(paid == tokens > 0, $"seed {seed}: paid {paid} with {tokens} tokens");
                        tokens = paid ? tokens - 1 : 0;
                        Assert.True(budget.MayRetry(newest) == paid, $"seed {seed}");
                        break;
                }
            }

            // Never more than four in hand: a run of failures after any history gets at most four quick retries.
            var quick = 0;
            while (budget.Failed(newest, random: true))
            {
                quick++;
            }

            Assert.Equal(tokens, quick);
            Assert.InRange(quick, 0, RetryBudget.RandomTokenCap);
        }

        var filled = new RetryBudget();
        for (var i = 0; i < 10; i++)
        {
            filled.Succeeded(Interval, random: true);
        }

        Assert.Equal([true, true, true, true, false], Enumerable.Range(1, 5).Select(i => filled.Failed(Interval * i, random: true)));
    }

    [Fact]
    public void Tokens_earned_while_random_count_after_a_tick_only_while_it_still_looks_random()
    {
        var budget = new RetryBudget();
        budget.Succeeded(Interval, random: true);

        // It no longer looks random: the normal rule, a token only for the sample it was earned under.
        Assert.False(budget.Failed(2 * Interval, random: false));

        budget.Succeeded(2 * Interval, random: true);
        Assert.True(budget.Failed(2 * Interval, random: false));
    }
}
