namespace HMetrics.Hosting.Benchmarks;

/// <summary>What a start-up probe's host registers besides the worker template's defaults.</summary>
internal enum StartVariant
{
    /// <summary>Nothing: the baseline.</summary>
    Without,

    /// <summary><c>AddHerokuMetrics()</c> with an endpoint, so the reporter really starts.</summary>
    With,

    /// <summary>The parts the package's design promises, with none of its code (<see cref="StartupStandIns"/>).</summary>
    StandIns,
}
