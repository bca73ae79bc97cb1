using System.Globalization;
using HMetrics.Hosting.Tests.Chaos.Generation;
using Microsoft.AspNetCore.Http;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>The dyno's endpoint in one run: answers as the scenario's <see cref="EndpointPlan"/> says at the fake time of arrival.</summary>
/// <remarks>
/// While a host stops, answers that wait for fake time (slow headers, a hang) are given at once instead: fake time does
/// not pass during a stop, and a flush waiting for its own timeout would only measure the host's shutdown timeout.
/// </remarks>
internal sealed class RunEndpoint(EndpointPlan plan, ChaosClock clock, AttemptTracker tracker, CancellationToken runEnded)
{
    private readonly Lock _lock = new();
    private readonly List<Receipt> _receipts = [];
    private int _stopping;

    public IReadOnlyList<Receipt> Receipts
    {
        get
        {
            lock (_lock)
            {
                return [.. _receipts];
            }
        }
    }

    /// <summary>Marks a host's stop as begun (true) or over (false).</summary>
    public void Stopping(bool stopping) => Interlocked.Add(ref _stopping, stopping ? 1 : -1);

    public async Task HandleAsync(HttpContext context, byte[] body)
    {
        var attempt = tracker.Find(context.Request.Headers[AttemptObserver.Header].ToString());
        var arrived = clock.Elapsed;
        var receipt = new Receipt(attempt?.Id, attempt?.Host ?? "?", context.Request.Headers["Measurements-Time"].ToString(), body, arrived);
        lock (_lock)
        {
            _receipts.Add(receipt);
        }

        var behaviour = plan.At(arrived);
        var stopping = Volatile.Read(ref _stopping) > 0;
        if (behaviour.Kind == EndpointKind.Drop)
        {
            context.Abort();
            return;
        }

        if (behaviour.Kind == EndpointKind.Hang && !stopping)
        {
            await HoldAsync(attempt, WaitForAbortAsync(context));
            return;
        }

        if (behaviour.Kind == EndpointKind.Answer && behaviour.Delay > TimeSpan.Zero && !stopping)
        {
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, runEnded);
            if (!await HoldAsync(attempt, Task.Delay(behaviour.Delay, clock, gone.Token)))
            {
                return;
            }
        }

        var status = behaviour.Kind == EndpointKind.Hang ? 503 : behaviour.Status;
        context.Response.StatusCode = status;
        if (Resolve(behaviour.RetryAfter) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        if (status is >= 300 and < 400)
        {
            context.Response.Headers.Location = "http://127.0.0.1:9/elsewhere";
        }

        receipt.Status = status;
    }

    /// <summary>Resolves <c>date+30s</c> and <c>date-30s</c> against the wall clock now; other values are sent as they are.</summary>
    public string? Resolve(string? retryAfter) =>
        retryAfter is ['d', 'a', 't', 'e', var sign, .. var rest]
            ? (clock.GetUtcNow() + TimeSpan.FromSeconds((sign == '-' ? -1 : 1) * int.Parse(rest.TrimEnd('s'), CultureInfo.InvariantCulture))).ToString("r", CultureInfo.InvariantCulture)
            : retryAfter;

    // Holds the request (parked: waiting for fake time or for the client to leave); false when the wait was cut short.
    private async Task<bool> HoldAsync(Attempt? attempt, Task wait)
    {
        tracker.Park(attempt);
        try
        {
            await wait;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            tracker.Unpark(attempt);
        }
    }

    private async Task WaitForAbortAsync(HttpContext context)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var aborted = context.RequestAborted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), done);
        using var ended = runEnded.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), done);
        await done.Task;
    }
}
