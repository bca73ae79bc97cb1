namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>A pulse any number of waiters can await: <see cref="Pulse"/> completes the task handed out before it.</summary>
/// <remarks>The waiter resumes on the thread pool, never inline on the thread that pulsed (the library's, often).</remarks>
internal sealed class ChangeSignal
{
    private TaskCompletionSource _next = New();

    /// <summary>Gets a task that completes at the next pulse; take it before checking the state it guards.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
