using HMetrics.Hosting.Reporting.SelfObservation;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>
/// Outcomes go nowhere: a simulated dyno has no log, status or meter, and the simulation tallies what reaches the
/// endpoint itself.
/// </summary>
internal sealed class SilentObserver : IReportingObserver
{
    public static SilentObserver Instance { get; } = new();

    public void Delivered(int metrics, int statusCode, TimeSpan interruption)
    {
    }

    public void Rejected(DateTimeOffset measuredAt, int statusCode)
    {
    }

    public void Failed(string kind, string reason, TimeSpan retryDelay)
    {
    }

    public void Dropped(int count, DateTimeOffset from, DateTimeOffset to, DropReason reason)
    {
    }

    public void BacklogChanged(int count)
    {
    }

    public void Flushed(int samples)
    {
    }

    public void FlushFailed(string reason)
    {
    }

    public void Stopping()
    {
    }
}
