namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>What a step of a scenario does. Before each step the run lets steady fake time pass up to the step's time.</summary>
internal enum StepKind
{
    /// <summary>Builds and starts a new host for the slot.</summary>
    Start,

    /// <summary>Stops the slot's running host (the host's StopAsync, as on SIGTERM).</summary>
    Stop,

    /// <summary>Changes configuration keys of the slot's running host and reloads it (<c>MetricsHost.Reload</c>).</summary>
    Reload,

    /// <summary>Moves the wall clock (only): an NTP step. Timers and timestamps do not move.</summary>
    JumpWallClock,

    /// <summary>Forces a garbage collection of a generation.</summary>
    Collect,
}
