namespace HMetrics.Hosting.Tests.Reporting.SelfObservation;

/// <summary>
/// Issue 19, item 3: the status writer is the one owner of the failure streak (the attempt numbers the outage log
/// writes come from it), and reading the status changes nothing.
/// </summary>
public sealed class HerokuMetricsStatusWriterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly HerokuMetricsStatusWriter _status = new();

    [Fact]
    public void Failures_count_up_from_one_and_a_success_returns_the_streak_it_ended_and_starts_it_again()
    {
        _status.Reporting();

        Assert.Equal([1, 2, 3], new[] { _status.Failed(T0, "http_5xx"), _status.Failed(T0.AddSeconds(1), "timeout"), _status.Failed(T0.AddSeconds(3), "timeout") });
        var failing = _status.Current;
        Assert.Equal((3, T0, "timeout"), (failing.ConsecutiveFailures, failing.FailingSince, failing.LastFailure));

        Assert.Equal(3, _status.Succeeded(T0.AddSeconds(7)));
        Assert.Equal(0, _status.Succeeded(T0.AddSeconds(27)));
        var flowing = _status.Current;
        Assert.Equal((0, null, null, T0.AddSeconds(27)), (flowing.ConsecutiveFailures, flowing.FailingSince, flowing.LastFailure, flowing.LastSuccess));

        Assert.Equal(1, _status.Failed(T0.AddSeconds(47), "transport"));
        Assert.Equal(T0.AddSeconds(47), _status.Current.FailingSince);
    }

    [Fact]
    public void Reading_the_status_is_a_pure_read()
    {
        _status.Reporting();
        _ = _status.Failed(T0, "http_5xx");
        _status.Backlog(4);
        _status.Dropped(2);

        var first = _status.Current;
        for (var i = 0; i < 10; i++)
        {
            _ = _status.Current;
            _ = _status.ConsecutiveFailures;
        }

        var again = _status.Current;
        Assert.Equivalent(first, again, strict: true);
        Assert.Equal(2, _status.Failed(T0.AddSeconds(1), "http_5xx"));
    }

    [Fact]
    public void Failures_reported_from_many_threads_at_once_each_get_their_own_attempt_number()
    {
        const int Threads = 8;
        const int Each = 500;
        using var start = new Barrier(Threads);
        var numbers = new int[Threads][];
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            numbers[t] = new int[Each];
            start.SignalAndWait();
            for (var i = 0; i < Each; i++)
            {
                numbers[t][i] = _status.Failed(T0, "http_5xx");
                _ = _status.Current;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(Enumerable.Range(1, Threads * Each), numbers.SelectMany(n => n).Order());
        Assert.Equal(Threads * Each, _status.Succeeded(T0.AddSeconds(1)));
    }

    [Fact]
    public void Only_a_reporter_that_was_reporting_becomes_stopped()
    {
        _status.Idle("disabled by HerokuMetrics:Enabled");
        _status.Stopped();
        Assert.Equal((HerokuMetricsState.Idle, "disabled by HerokuMetrics:Enabled"), (_status.Current.State, _status.Current.IdleReason));

        var other = new HerokuMetricsStatusWriter();
        other.Reporting();
        other.Stopped();
        Assert.Equal(HerokuMetricsState.Stopped, other.Current.State);
    }

    [Fact]
    public void Drops_add_up_and_the_backlog_is_the_last_size_told()
    {
        _status.Dropped(3);
        _status.Dropped(4);
        _status.Backlog(9);
        _status.Backlog(2);

        Assert.Equal((7L, 2), (_status.Current.DroppedSamples, _status.Current.Backlog));
    }
}
