using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// Posts one sample and classifies the outcome: returns on 2xx, throws <see cref="ReportFailedException"/> otherwise.
/// </summary>
/// <remarks>Records each attempt in the meter; the failure text it builds never quotes the URL.</remarks>
internal sealed class SampleSender(HerokuMetricsClientSource clients, TimeProvider timeProvider, HerokuMetricsInstruments instruments) : IDisposable
{
    // One source for every attempt, re-armed per attempt and reset after it: two new sources and a timer per report were
    // half a kilobyte. Replaced only once cancelled. The caller's token cancels it through one registration per token.
    private CancellationTokenSource? _timeout;
    private CancellationToken _registeredFor;
    private CancellationTokenRegistration _registration;

    // Pooled: every attempt would otherwise box its state machine once the send goes asynchronous, which it always does.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<HttpStatusCode> SendAsync(Sample sample, ReporterSettings settings, CancellationToken cancellationToken)
    {
        var endpoint = settings.Endpoint;
        var payloadBytes = sample.Body.WrittenCount;
        HerokuMetricsClient client;
        try
        {
            // A new handler lifetime builds the app's handlers, whose code may throw: a failed attempt like any other.
            client = clients.Current;
        }
        catch (Exception ex)
        {
            throw Failure(Describe(ex, endpoint), "error", timeProvider.GetTimestamp(), payloadBytes);
        }

        // A Timeout set on the client's builder bounds the attempt too: the shorter wins.
        var timeout = client.EffectiveTimeout(settings.HttpTimeout);
        var timeoutSource = Arm(timeout, cancellationToken);
        var sentAt = timeProvider.GetTimestamp();
        ReportResponse response;
        try
        {
            using var request = client.CreateRequest(endpoint, sample.Body.WrittenMemory, sample.Count, settings.UserAgent, sample.MeasuredAt);

            // The client returns at the response headers and never reads the body: an endless one costs nothing.
            using var answer = await client.SendAsync(request, timeoutSource.Token).ConfigureAwait(false);
            response = HerokuMetricsClient.Read(answer, endpoint);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            throw Failure(string.Create(CultureInfo.InvariantCulture, $"no response within {timeout}"), "timeout", sentAt, payloadBytes);
        }
        catch (Exception ex)
        {
            throw Failure(Describe(ex, endpoint), ex is HttpRequestException or IOException ? "transport" : "error", sentAt, payloadBytes);
        }
        finally
        {
            Disarm(timeoutSource);
        }

        if (!response.IsSuccess)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"status {(int)response.StatusCode} ({response.StatusCode})");
            throw Failure(reason, HerokuMetricsInstruments.ReasonFor(response.StatusCode), sentAt, payloadBytes, response);
        }

        instruments.Sent(timeProvider.GetElapsedTime(sentAt), payloadBytes);
        return response.StatusCode;
    }

    public void Dispose()
    {
        _registration.Dispose();
        Interlocked.Exchange(ref _timeout, null)?.Dispose();
        clients.Dispose();
    }

    private CancellationTokenSource Arm(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Published before the registration can fire, so a cancellation from now on reaches this source.
        var source = _timeout;
        if (source is null || source.IsCancellationRequested)
        {
            // A source the previous caller's token cancelled while no attempt was in flight (the loop's token at
            // shutdown, before the flush) must not fail the next attempt at once.
            source?.Dispose();
            _timeout = source = new CancellationTokenSource(timeout, timeProvider);
        }
        else
        {
            source.CancelAfter(timeout);
        }

        if (cancellationToken != _registeredFor)
        {
            _registration.Dispose();
            _registeredFor = cancellationToken;
            _registration = cancellationToken.UnsafeRegister(static s => ((SampleSender)s!).CancelCurrent(), this);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while the previous source was being replaced: the callback may have reached that one instead.
            source.Cancel();
        }

        return source;
    }

    private void Disarm(CancellationTokenSource source)
    {
        if (!source.TryReset())
        {
            _timeout = null;
            source.Dispose();
        }
    }

    private void CancelCurrent()
    {
        try
        {
            Volatile.Read(ref _timeout)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Replaced meanwhile; the next attempt sees the caller's token cancelled.
        }
    }

    /// <summary>Describes an exception for a log line: type and message of each inner exception, scrubbed of the URL's secrets.</summary>
    public static string Describe(Exception exception, MetricsEndpoint? endpoint) =>
        exception is ReportFailedException ? exception.Message : FailureText.Describe(exception, endpoint);

    private ReportFailedException Failure(string reason, string kind, long sentAt, int payloadBytes, ReportResponse? response = null)
    {
        instruments.Failed(kind, timeProvider.GetElapsedTime(sentAt), payloadBytes);
        return new ReportFailedException(reason, kind, response?.StatusCode, response?.RetryAfterDelay(timeProvider.GetUtcNow()));
    }
}
