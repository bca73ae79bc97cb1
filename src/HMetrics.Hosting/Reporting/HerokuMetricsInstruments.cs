using System.Diagnostics.Metrics;
using System.Net;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The library's own telemetry: a <see cref="Meter"/> named <c>HMetrics.Hosting</c>, so its health can be watched with
/// the same tools as the app's (OpenTelemetry, dotnet-counters).
/// </summary>
internal sealed class HerokuMetricsInstruments : IDisposable
{
    internal const string MeterName = "HMetrics.Hosting";
    internal const string ReasonTag = "hmetrics.failure.reason";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _duration;
    private readonly Histogram<long> _payload;
    private readonly Counter<long> _dropped;
    private double _backoffSeconds;

    public HerokuMetricsInstruments(IMeterFactory? meterFactory)
    {
        // Hosts register a meter factory; a bare service provider may not, and then the meter is ours to dispose.
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _sent = _meter.CreateCounter<long>("hmetrics.reports.sent", "{report}", "Reports the endpoint acknowledged with 2xx.");
        _failed = _meter.CreateCounter<long>("hmetrics.reports.failed", "{report}", "Reports that failed, by reason: http_3xx, http_4xx, http_5xx, http_other, timeout, transport.");
        _duration = _meter.CreateHistogram<double>("hmetrics.report.duration", "s", "Time from sending a report to its response or failure.");
        _payload = _meter.CreateHistogram<long>("hmetrics.report.payload.size", "By", "Size of each report body sent.");
        _dropped = _meter.CreateCounter<long>("hmetrics.samples.dropped", "{sample}", "Samples never delivered: older than the endpoint accepts, rejected by it (400, 413), or pushed out of a full backlog.");
        _ = _meter.CreateObservableGauge("hmetrics.backoff.delay", () => Volatile.Read(ref _backoffSeconds), "s", "The current backoff delay before the next attempt; 0 while reports flow.");
    }

    public void Sent(TimeSpan duration, int payloadBytes)
    {
        _sent.Add(1);
        _duration.Record(duration.TotalSeconds);
        _payload.Record(payloadBytes);
        Volatile.Write(ref _backoffSeconds, 0);
    }

    public void Failed(string reason, TimeSpan duration, int payloadBytes)
    {
        _failed.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
        _duration.Record(duration.TotalSeconds);
        _payload.Record(payloadBytes);
    }

    public void Dropped(int samples) => _dropped.Add(samples);

    public void BackingOff(TimeSpan delay) => Volatile.Write(ref _backoffSeconds, delay.TotalSeconds);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
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
