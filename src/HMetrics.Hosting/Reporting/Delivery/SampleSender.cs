using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// Posts one sample and classifies the outcome: returns on 2xx, throws <see cref="ReportFailedException"/> otherwise.
/// </summary>
/// <remarks>
/// Writes the body from the sample's readings into one reused buffer at send time (one body is in flight at a time), so
/// waiting samples hold numbers, not bytes. Records each attempt in the meter; the failure text it builds never quotes
/// the URL.
/// </remarks>
internal sealed class SampleSender(ReportInvoker invoker, TimeProvider timeProvider, HerokuMetricsInstruments instruments, SafeLogger logger) : IDisposable
{
    // The Both schema's body is about 1.6 KB: one growth at most, once for the life of the reporter.
    private readonly ArrayBufferWriter<byte> _body = new(1024);
    private readonly ReportBodyWriter _bodyWriter = new();

    // One source for every attempt, re-armed per attempt and reset after it: two new sources and a timer per report were
    // half a kilobyte. Replaced only once cancelled. The caller's token cancels it through one registration per token. A
    // regular report arms no timer at all: the next sampling tick ends it (EndTickAttempt), under the lock that also
    // ends the attempt, so a tick can never cancel the attempt after it.
    private readonly Lock _attemptLock = new();
    private CancellationTokenSource? _timeout;
    private bool _tickAttempt;
    private CancellationToken _registeredFor;
    private CancellationTokenRegistration _registration;

    /// <summary>Sends one sample; returns on 2xx, throws <see cref="ReportFailedException"/> on anything else.</summary>
    /// <param name="sample">The sample to send.</param>
    /// <param name="settings">The settings in force.</param>
    /// <param name="timeout">The exact deadline; <see langword="null"/> when the next sampling tick is the deadline.</param>
    /// <param name="cancellationToken">Cancels the attempt as the caller's, not as a failure (the host stops).</param>
    /// <remarks>Pooled: every attempt would otherwise box its state machine once the send goes asynchronous, which it always does.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SendResult> SendAsync(Sample sample, ReporterSettings settings, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var endpoint = settings.Endpoint;
        _body.ResetWrittenCount();
        var count = _bodyWriter.Write(sample.Schema, sample.Counters, sample.Gauges, _body);
        var timeoutSource = Arm(timeout, cancellationToken);
        var sentAt = timeProvider.GetTimestamp();
        var payloadBytes = _body.WrittenCount;
        ReportResponse response;
        try
        {
            using var request = HerokuMetricsClient.CreateRequest(endpoint, _body.WrittenMemory, count, settings.UserAgent, sample.MeasuredAt);

            // A handler chain returns at the response headers and never reads the body: an endless one costs nothing.
            using var answer = await invoker.Current.SendAsync(request, timeoutSource.Token).ConfigureAwait(false);
            response = HerokuMetricsClient.Read(answer, endpoint);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            throw Failure(
                timeout is { } exact
                    ? string.Create(CultureInfo.InvariantCulture, $"no response within {exact}")
                    : string.Create(CultureInfo.InvariantCulture, $"no response before the next sample was due ({settings.PostInterval})"),
                "timeout",
                sentAt,
                payloadBytes);
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
        return new SendResult(response.StatusCode, count);
    }

    /// <summary>The sampler took the next sample: a regular report still in flight has reached its deadline.</summary>
    public void EndTickAttempt()
    {
        lock (_attemptLock)
        {
            if (_tickAttempt && _timeout is { } source)
            {
                _ = Guard.Cancel(source);
            }
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        Interlocked.Exchange(ref _timeout, null)?.Dispose();
    }

    private CancellationTokenSource Arm(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        CancellationTokenSource source;
        lock (_attemptLock)
        {
            // Published before the registration can fire, so a cancellation from now on reaches this source.
            source = _timeout!;
            if (source is null || source.IsCancellationRequested)
            {
                // A source the previous caller's token cancelled while no attempt was in flight (the loop's token at
                // shutdown, before the flush) must not fail the next attempt at once. Made on the injected clock, unarmed
                // when the tick is the deadline.
                source?.Dispose();
                _timeout = source = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan, timeProvider);
            }
            else if (timeout is { } exact)
            {
                source.CancelAfter(exact);
            }

            _tickAttempt = timeout is null;
        }

        if (cancellationToken != _registeredFor)
        {
            _registration.Dispose();
            _registeredFor = cancellationToken;
            _registration = Guard.Register(cancellationToken, static s => ((SampleSender)s!).CancelCurrent(), this, logger);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while the previous source was being replaced: the callback may have reached that one instead.
            _ = Guard.Cancel(source);
        }

        return source;
    }

    private void Disarm(CancellationTokenSource source)
    {
        lock (_attemptLock)
        {
            _tickAttempt = false;
            if (!source.TryReset())
            {
                _timeout = null;
                source.Dispose();
            }
        }
    }

    private void CancelCurrent()
    {
        // A source replaced and disposed meanwhile is no loss: the next attempt sees the caller's token cancelled.
        if (Volatile.Read(ref _timeout) is { } source)
        {
            _ = Guard.Cancel(source);
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
