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
internal sealed class SampleSender(HerokuMetricsClientSource clients, TimeProvider timeProvider, HerokuMetricsInstruments instruments, SafeLogger logger) : IDisposable
{
    // The Both schema's body is about 1.6 KB: one growth at most, once for the life of the reporter.
    private readonly ArrayBufferWriter<byte> _body = new(1024);
    private readonly ReportBodyWriter _bodyWriter = new();

    // One deadline for every attempt, re-armed per attempt: two new sources and a timer per report were half a kilobyte,
    // and a regular report arms no timer at all (the next sampling tick ends it).
    private readonly AttemptDeadline _deadline = new(timeProvider, logger);

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
        var payloadBytes = _body.WrittenCount;
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
        timeout = client.EffectiveTimeout(timeout);
        var attempt = _deadline.Arm(timeout, cancellationToken);
        var sentAt = timeProvider.GetTimestamp();
        ReportResponse response;
        try
        {
            using var request = client.CreateRequest(endpoint, _body.WrittenMemory, count, settings.UserAgent, sample.MeasuredAt);

            // The client returns at the response headers and never reads the body: an endless one costs nothing.
            using var answer = await client.SendAsync(request, attempt).ConfigureAwait(false);
            response = HerokuMetricsClient.Read(answer, endpoint);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (_deadline.Expired)
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
            _deadline.Disarm();
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
    public void EndTickAttempt() => _deadline.Tick();

    public void Dispose()
    {
        _deadline.Dispose();
        clients.Dispose();
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
