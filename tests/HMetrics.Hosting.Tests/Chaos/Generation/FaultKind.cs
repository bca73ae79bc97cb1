namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>How a hostile logger misbehaves on a call.</summary>
internal enum FaultKind
{
    None,

    /// <summary>Throws, as a provider writing to a full disk does.</summary>
    Throw,

    /// <summary>Spins a while (never sleeps), as a provider with a slow sink does.</summary>
    Slow,
}
