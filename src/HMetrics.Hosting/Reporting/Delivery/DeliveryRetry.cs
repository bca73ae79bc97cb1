using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// The retry policy of delivery, as Polly options: Polly computes every delay.
/// </summary>
/// <remarks>
/// Exponential from <see cref="ReporterSettings.InitialBackoff"/>, capped by <see cref="ReporterSettings.MaxBackoff"/>,
/// with Polly's decorrelated jitter when jitter is on. A <c>Retry-After</c> (429 and 503 only) replaces the computed
/// delay through the delay generator; Polly does not cap a generated delay, so it is capped here. Attempts are unlimited:
/// the library never gives up while the host runs. Polly's attempt count restarts with each execution, which the
/// delivery loop starts anew only after the all-clear window, so a flapping endpoint keeps climbing.
/// </remarks>
internal static class DeliveryRetry
{
    public static RetryStrategyOptions Create(ReporterSettings settings, Func<OnRetryArguments<object>, ValueTask> onRetry) => new()
    {
        ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is not null and not OperationCanceledException),
        MaxRetryAttempts = int.MaxValue,
        BackoffType = DelayBackoffType.Exponential,
        Delay = settings.InitialBackoff,
        MaxDelay = settings.MaxBackoff,
        UseJitter = settings.UseJitter,
        DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Exception, settings.InitialBackoff, settings.MaxBackoff)),
        OnRetry = onRetry,
    };

    /// <summary>Whether two settings give the same retry strategy, so a pipeline built for one serves the other.</summary>
    public static bool SameBackoff(ReporterSettings a, ReporterSettings b) =>
        a.InitialBackoff == b.InitialBackoff && a.MaxBackoff == b.MaxBackoff && a.UseJitter == b.UseJitter;

    /// <summary>
    /// The wait the endpoint asked for, between <paramref name="initialBackoff"/> (a Retry-After a tick away must not
    /// beat the attempt-rate floor) and <paramref name="maxBackoff"/>; <see langword="null"/> lets Polly compute the delay.
    /// </summary>
    public static TimeSpan? RetryAfter(Exception? failure, TimeSpan initialBackoff, TimeSpan maxBackoff) =>
        (failure as ReportFailedException)?.RetryAfter is { } wait && wait > TimeSpan.Zero
            ? (wait < initialBackoff ? initialBackoff : wait < maxBackoff ? wait : maxBackoff)
            : null;
}
