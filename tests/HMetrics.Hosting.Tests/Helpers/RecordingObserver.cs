namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>What delivery told its observer: each retry's failure class, reason and delay, and the deliveries.</summary>
internal sealed class RecordingObserver : IReportingObserver
{
    public List<(string Kind, string Reason, TimeSpan Delay)> Retries { get; } = [];

    public int Deliveries { get; private set; }

    public void Delivered(int metrics, int statusCode, TimeSpan interruption) => Deliveries++;

    public void Failed(string kind, string reason, TimeSpan retryDelay) => Retries.Add((kind, reason, retryDelay));

    public void Rejected(DateTimeOffset measuredAt, int statusCode)
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
