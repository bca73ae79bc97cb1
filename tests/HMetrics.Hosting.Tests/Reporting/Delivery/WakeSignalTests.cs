namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>
/// Issue 19, item 3: the delivery loop's wake-up, on its own. One waiter, auto-reset, wake-ups that do not pile up, a
/// token registered once per token, and the waiter resumed on the thread that sets it. Threads meet on signals; nothing
/// waits on the wall clock (the timeouts below only turn a hang into a failure).
/// </summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    private readonly WakeSignal _signal = new(SafeLogger.None);

    [Fact]
    public void A_set_before_the_wait_completes_it_at_once()
    {
        _signal.Set();

        Assert.True(_signal.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Wake_ups_do_not_pile_up()
    {
        _signal.Set();
        _signal.Set();
        _signal.Set();

        Assert.True(_signal.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        var second = _signal.WaitAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);

        _signal.Set();
        await second.AsTask().WaitAsync(Hang);
    }

    [Fact]
    public async Task Cancelling_the_token_while_waiting_cancels_the_wait()
    {
        using var cts = new CancellationTokenSource();
        var wait = _signal.WaitAsync(cts.Token);
        Assert.False(wait.IsCompleted);

        cts.Cancel();

        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.AsTask().WaitAsync(Hang));
        Assert.Equal(cts.Token, cancelled.CancellationToken);
    }

    [Fact]
    public async Task A_wait_after_a_cancelled_one_waits_for_the_next_set()
    {
        using (var first = new CancellationTokenSource())
        {
            var cancelled = _signal.WaitAsync(first.Token);
            first.Cancel();
            _ = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.AsTask().WaitAsync(Hang));
        }

        using var second = new CancellationTokenSource();
        var wait = _signal.WaitAsync(second.Token);
        Assert.False(wait.IsCompleted);

        _signal.Set();
        await wait.AsTask().WaitAsync(Hang);

        // The old token's registration is gone: the next wait on the new token is not cancelled by anything left over.
        var next = _signal.WaitAsync(second.Token);
        Assert.False(next.IsCompleted);
        _signal.Set();
        await next.AsTask().WaitAsync(Hang);
    }

    [Fact]
    public void A_token_cancelled_before_the_wait_cancels_it_at_once_and_a_pending_set_still_wins()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.True(_signal.WaitAsync(cts.Token).IsCanceled);

        // A wake-up already waiting is taken rather than lost: the loop then sees its token and stops by itself.
        _signal.Set();
        Assert.True(_signal.WaitAsync(cts.Token).IsCompletedSuccessfully);
        Assert.True(_signal.WaitAsync(cts.Token).IsCanceled);
    }

    [Fact]
    public async Task A_set_from_another_thread_resumes_the_waiter_on_that_thread()
    {
        var resumedOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = WaitThenReportThreadAsync(resumedOn);
        Assert.False(waiting.IsCompleted);

        var setter = new Thread(_signal.Set);
        setter.Start();
        var setterId = setter.ManagedThreadId;
        setter.Join();

        Assert.Equal(setterId, await resumedOn.Task.WaitAsync(Hang));
        await waiting;
    }

    [Fact]
    public void A_set_racing_the_start_of_each_wait_is_never_lost()
    {
        // Two threads released together by a barrier, a thousand times: whichever comes first, the wait completes.
        const int Rounds = 1000;
        using var barrier = new Barrier(2);
        var lost = -1;
        var waiter = new Thread(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                barrier.SignalAndWait();
                if (!_signal.WaitAsync(CancellationToken.None).AsTask().Wait(Hang))
                {
                    lost = i;
                    barrier.RemoveParticipant();
                    return;
                }
            }
        });
        waiter.Start();

        for (var i = 0; i < Rounds && Volatile.Read(ref lost) < 0; i++)
        {
            barrier.SignalAndWait();
            _signal.Set();
        }

        waiter.Join();
        Assert.Equal(-1, lost);
        Assert.False(_signal.WaitAsync(CancellationToken.None).IsCompleted);
    }

    private async Task WaitThenReportThreadAsync(TaskCompletionSource<int> resumedOn)
    {
        await _signal.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        resumedOn.SetResult(Environment.CurrentManagedThreadId);
    }
}
