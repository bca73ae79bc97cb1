namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>From <see cref="From"/> (steady time since the run began) on, the wall clock read steady time plus <see cref="Offset"/>.</summary>
internal sealed record WallClockSegment(TimeSpan From, TimeSpan Offset);
