namespace HMetrics.Hosting.Reporting.SelfObservation;

/// <summary>
/// The one fan-out of outcomes to the status, the instruments and the outage log, so each outcome is counted and logged
/// in one place whoever reports it.
/// </summary>
internal sealed class ReportingObserver(
    SteadyClock clock,
    SafeLogger logger,
    ReporterSettingsSource settings,
    HerokuMetricsStatusWriter status,
    HerokuMetricsInstruments instruments) : IReportingObserver
{
    private readonly FailureLog _outages = new(logger, clock.Time);

    private string Endpoint => settings.Current.Endpoint.Redacted;

    public void Delivered(int metrics, int statusCode, TimeSpan interruption)
    {
        var failures = status.Succeeded(clock.WallNow);
        instruments.BackingOff(TimeSpan.Zero);
        _outages.Recovered(Endpoint, failures, interruption);
        Log.ReportDelivered(logger, metrics, Endpoint, statusCode);
    }

    public void Rejected(DateTimeOffset measuredAt, int statusCode)
    {
        Log.SampleRejected(logger, Endpoint, Log.Time(measuredAt), statusCode);
        status.Dropped(1);
        instruments.Dropped(1);
    }

    public void Failed(string kind, string reason, TimeSpan retryDelay)
    {
        var attempt = status.Failed(clock.WallNow, kind);
        instruments.BackingOff(retryDelay);
        _outages.Failed(Endpoint, reason, attempt, retryDelay);
    }

    public void Dropped(int count, DateTimeOffset from, DateTimeOffset to, DropReason reason)
    {
        if (count <= 0)
        {
            return;
        }

        status.Dropped(count);
        instruments.Dropped(count);
        _outages.Dropped(count, from, to, reason);
    }

    public void BacklogChanged(int count) => status.Backlog(count);

    public void Flushed(int samples) => Log.Flushed(logger, samples, Endpoint);

    public void FlushFailed(string reason) => Log.FlushFailed(logger, Endpoint, reason);

    public void Stopping() => _outages.ReportDropped();
}
