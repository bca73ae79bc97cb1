namespace HMetrics.Hosting.Reporting.SelfObservation;

/// <summary>Why samples were dropped undelivered; each reason is one line of the outage's summary.</summary>
internal enum DropReason
{
    /// <summary>Older than the endpoint accepts (or pushed out of a full backlog, which holds just that long).</summary>
    Expired,

    /// <summary>Still waiting when the host stopped, and the flush could not deliver them.</summary>
    Shutdown,

    /// <summary>Older than the endpoint accepts, but its counter increments went into the next sample, which it still accepts.</summary>
    Carried,
}
