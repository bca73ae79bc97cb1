using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// The outermost handler of every host's chain: records each POST the library sends and what the library got back,
/// and tags the request so the endpoint and the other handlers know which attempt it is.
/// </summary>
/// <remarks>
/// The library is handed a task this handler completes itself, with continuations run inline: the library resumes on
/// this thread and goes on until it waits again (for a timer, a wake-up or its next POST). Only then does the attempt
/// count as ended, so the run knows the library is quiet without watching the clock.
/// </remarks>
internal sealed class AttemptObserver(string host, AttemptTracker tracker, ChaosClock clock) : DelegatingHandler
{
    /// <summary>The request header carrying the attempt's id.</summary>
    public const string Header = "X-Chaos-Attempt";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var measurementsTime = request.Headers.NonValidated.TryGetValues("Measurements-Time", out var values) ? values.ToString() : null;
        var attempt = tracker.Begin(host, measurementsTime, clock.Elapsed, cancellationToken);
        _ = request.Headers.TryAddWithoutValidation(Header, attempt.Id);

        // Not RunContinuationsAsynchronously: the library must resume inside CompleteAsync (see the remarks).
        var answered = new TaskCompletionSource<HttpResponseMessage>();
        Task<HttpResponseMessage> inner;
        try
        {
            inner = base.SendAsync(request, cancellationToken);
        }
        catch (Exception ex)
        {
            inner = Task.FromException<HttpResponseMessage>(ex);
        }

        // A cancellation (the library's deadline, often queued on the thread pool; a stop) sets a held request moving.
        var cancelled = cancellationToken.UnsafeRegister(static s => ((AttemptTracker)s!).Changed.Pulse(), tracker);
        _ = CompleteAsync(inner, answered, attempt, cancelled);
        return answered.Task;
    }

    private async Task CompleteAsync(Task<HttpResponseMessage> inner, TaskCompletionSource<HttpResponseMessage> answered, Attempt attempt, CancellationTokenRegistration cancelled)
    {
        using var registration = cancelled;
        try
        {
            HttpResponseMessage response;
            try
            {
                response = await inner.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                attempt.Outcome = ex.GetType().Name;
                _ = answered.TrySetException(ex);
                return;
            }

            var status = (int)response.StatusCode;
            attempt.Outcome = status.ToString(CultureInfo.InvariantCulture);
            attempt.LibrarySawSuccess = status is >= 200 and < 300;
            _ = answered.TrySetResult(response);
        }
        finally
        {
            tracker.End(attempt);
        }
    }
}
