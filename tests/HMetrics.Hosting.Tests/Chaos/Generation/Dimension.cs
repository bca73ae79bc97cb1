namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>
/// The kinds of hostility a scenario can draw. Each can be switched off with <c>CHAOS_DISABLE</c> (its
/// <see cref="DimensionNames"/> name); the generator still draws it, so the rest of the scenario stays the same.
/// </summary>
internal enum Dimension
{
    /// <summary>Logging providers that throw or are slow.</summary>
    Loggers,

    /// <summary>MeterListeners on the library's meter whose measurement callbacks throw.</summary>
    MeterListenerThrows,

    /// <summary>A MeterListener whose InstrumentPublished callback throws.</summary>
    MeterPublishThrows,

    /// <summary>ActivityListeners that throw.</summary>
    ActivityListenerThrows,

    /// <summary>DelegatingHandlers that throw, hang or answer oddly.</summary>
    Handlers,

    /// <summary>Configuration reloads, valid, invalid and misspelt; misspelt keys at start.</summary>
    Reloads,

    /// <summary>Wall-clock jumps.</summary>
    WallClock,

    /// <summary>Endpoint outages, flapping, odd statuses, slow headers.</summary>
    Endpoint,

    /// <summary>A host that reaches an HTTPS endpoint through a proxy with credentials that answers 407.</summary>
    Proxy,

    /// <summary>Garbage collections forced at random moments.</summary>
    Collections,
}
