namespace HMetrics.Hosting;

/// <summary>
/// What the reporter last did, for the health check. Written by the reporter, read from any thread.
/// </summary>
/// <remarks>Holds no URL: a health report is often served to anyone who asks.</remarks>
internal sealed class HerokuMetricsStatus
{
    private readonly Lock _lock = new();
    private Snapshot _current = new(HerokuMetricsState.NotStarted, null, null, 0, null, null);

    internal enum HerokuMetricsState
    {
        NotStarted,
        Idle,
        Reporting,
    }

    internal sealed record Snapshot(
        HerokuMetricsState State,
        DateTimeOffset? LastSuccess,
        DateTimeOffset? FailingSince,
        int ConsecutiveFailures,
        string? LastFailure,
        string? IdleReason);

    public Snapshot Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public void Idle(string why) => Set(_ => new(HerokuMetricsState.Idle, null, null, 0, null, why));

    public void Reporting() => Set(s => s with { State = HerokuMetricsState.Reporting });

    public void Succeeded(DateTimeOffset now) => Set(s => s with { LastSuccess = now, FailingSince = null, ConsecutiveFailures = 0, LastFailure = null });

    /// <param name="now">When the failure happened.</param>
    /// <param name="kind">The failure class (http_5xx, timeout, ...), never free text that could quote the URL.</param>
    public void Failed(DateTimeOffset now, string kind) =>
        Set(s => s with { FailingSince = s.FailingSince ?? now, ConsecutiveFailures = s.ConsecutiveFailures + 1, LastFailure = kind });

    private void Set(Func<Snapshot, Snapshot> change)
    {
        lock (_lock)
        {
            _current = change(_current);
        }
    }
}
