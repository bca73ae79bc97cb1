namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// The process's counters read just before and just after a host's stop: the stop's final sample read the counters
/// somewhere in between.
/// </summary>
internal readonly record struct CounterBracket(ProcessReading Before, ProcessReading After);
