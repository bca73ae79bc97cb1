namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>The callback of an ActivityListener that throws.</summary>
internal enum ActivityCallback
{
    Sample,
    ActivityStarted,
    ActivityStopped,
}
