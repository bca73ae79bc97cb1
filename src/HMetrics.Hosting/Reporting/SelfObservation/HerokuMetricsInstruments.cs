using System.Diagnostics.Metrics;
using System.Net;

namespace HMetrics.Hosting.Reporting.SelfObservation;

/// <summary>
/// The library's own telemetry: a <see cref="Meter"/> named <c>HMetrics.Hosting</c>, so its health can be watched with
/// the same tools as the app's (OpenTelemetry, dotnet-counters).
/// </summary>
/// <remarks>
/// Every measurement runs the app's listeners inline (<c>Counter.Add</c> calls each <c>MeterListener</c>'s callback on
/// the caller's thread, here a timer callback or the delivery loop), and creating the instruments runs their
/// <c>InstrumentPublished</c> callbacks. A listener that throws is the app's bug; here it costs that measurement, never a
/// sample, a re-send or the process. So every member ends in a catch-all, and an instrument that could not be created
/// is simply not recorded.
/// </remarks>
internal sealed class HerokuMetricsInstruments : IDisposable
{
    internal const string MeterName = "HMetrics.Hosting";
    internal const string ReasonTag = "hmetrics.failure.reason";

    private readonly Meter? _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long>? _sent;
    private readonly Counter<long>? _failed;
    private readonly Histogram<double>? _duration;
    private readonly Histogram<long>? _payload;
    private readonly Counter<long>? _dropped;
    private double _backoffSeconds;

    public HerokuMetricsInstruments(IMeterFactory? meterFactory)
    {
        try
        {
            // Hosts register a meter factory; a bare service provider may not, and then the meter is ours to dispose.
            _ownsMeter = meterFactory is null;
            _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
            _sent = _meter.CreateCounter<long>("hmetrics.reports.sent", "{report}", "Reports the endpoint acknowledged with 2xx.");
            _failed = _meter.CreateCounter<long>("hmetrics.reports.failed", "{report}", "Reports that failed, by reason: http_3xx, http_4xx, http_5xx, http_other, timeout, transport.");
            _duration = _meter.CreateHistogram<double>("hmetrics.report.duration", "s", "Time from sending a report to its response or failure.");
            _payload = _meter.CreateHistogram<long>("hmetrics.report.payload.size", "By", "Size of each report body sent.");
            _dropped = _meter.CreateCounter<long>("hmetrics.samples.dropped", "{sample}", "Samples never delivered: older than the endpoint accepts, rejected by it (400, 413), pushed out of a full backlog, or left when the host stopped.");

            // The callback only reads a field: it cannot throw into the listener that asks.
            _ = _meter.CreateObservableGauge("hmetrics.backoff.delay", () => Volatile.Read(ref _backoffSeconds), "s", "The current backoff delay before the next attempt; 0 while reports flow.");
        }
        catch (Exception)
        {
            // A listener's InstrumentPublished callback threw: whatever was created before it still records.
        }
    }

    public void Sent(TimeSpan duration, int payloadBytes)
    {
        Volatile.Write(ref _backoffSeconds, 0);
        Add(_sent, 1);
        Record(_duration, duration.TotalSeconds);
        Record(_payload, payloadBytes);
    }

    public void Failed(string reason, TimeSpan duration, int payloadBytes)
    {
        try
        {
            _failed?.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
        }
        catch (Exception)
        {
            // The app's listener threw: this measurement is lost, nothing else.
        }

        Record(_duration, duration.TotalSeconds);
        Record(_payload, payloadBytes);
    }

    public void Dropped(int samples) => Add(_dropped, samples);

    public void BackingOff(TimeSpan delay) => Volatile.Write(ref _backoffSeconds, delay.TotalSeconds);

    public void Dispose()
    {
        if (!_ownsMeter)
        {
            return;
        }

        try
        {
            _meter?.Dispose();
        }
        catch (Exception)
        {
            // Disposing a meter tells its listeners (MeasurementsCompleted): theirs to fail, not the host's stop.
        }
    }

    // One catch per measurement: a listener that throws for one instrument costs that measurement, not the report's others.
    private static void Add(Counter<long>? counter, long value)
    {
        try
        {
            counter?.Add(value);
        }
        catch (Exception)
        {
            // The app's listener threw: this measurement is lost, nothing else.
        }
    }

    private static void Record<T>(Histogram<T>? histogram, T value)
        where T : struct
    {
        try
        {
            histogram?.Record(value);
        }
        catch (Exception)
        {
            // The app's listener threw: this measurement is lost, nothing else.
        }
    }

    /// <summary>The reason tag of a failed response.</summary>
    public static string ReasonFor(HttpStatusCode status) => (int)status switch
    {
        >= 300 and < 400 => "http_3xx",
        >= 400 and < 500 => "http_4xx",
        >= 500 and < 600 => "http_5xx",
        _ => "http_other",
    };
}
