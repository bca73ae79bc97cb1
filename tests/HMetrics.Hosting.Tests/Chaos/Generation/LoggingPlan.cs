namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>
/// A logging provider added to every host of the run that misbehaves for some categories and some calls.
/// </summary>
/// <param name="First">
/// Whether it comes before the test's own capturing provider. First in line, a throwing <c>IsEnabled</c> makes the
/// logger factory throw before any provider is asked to log, so the library's line is lost for every provider.
/// </param>
/// <param name="Categories">The category prefixes it misbehaves for; other categories (the host's own) are left alone.</param>
/// <param name="HoldStarted">
/// When above zero, writing the library's <c>Started</c> line (on activation, on the thread pool, after the sampler is
/// made and before delivery begins) blocks the library's thread for this much fake time, as a sink with a full pipe
/// would: samples pile up before the first POST.
/// </param>
internal sealed record LoggingPlan(
    bool First,
    IReadOnlyList<string> Categories,
    CallFault CreateLogger,
    CallFault IsEnabled,
    CallFault Log,
    CallFault BeginScope,
    TimeSpan HoldStarted)
{
    public bool Covers(string category) => Categories.Any(p => category.StartsWith(p, StringComparison.Ordinal));

    /// <summary>Gets whether the library's lines can be lost for the test's own capture too, so logs cannot prove a flush.</summary>
    public bool CanLoseLibraryLines =>
        Covers("HMetrics.Hosting")
        && (CreateLogger.Kind == FaultKind.Throw || (First && IsEnabled.Kind == FaultKind.Throw));

    public override string ToString() =>
        $"a provider {(First ? "first in line" : "after the capture")} for categories {string.Join(", ", Categories.Select(c => c + "*"))}: " +
        $"CreateLogger {CreateLogger}; IsEnabled {IsEnabled}; Log {Log}; BeginScope {BeginScope}" +
        (HoldStarted > TimeSpan.Zero ? $"; the Started line blocks the library's thread for {ChaosStep.Format(HoldStarted)} (fake)" : string.Empty);
}
