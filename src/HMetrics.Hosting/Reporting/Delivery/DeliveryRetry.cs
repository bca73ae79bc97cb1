using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// The retry policy of delivery, as Polly options: Polly computes every delay.
/// </summary>
/// <remarks>
/// Exponential from <see cref="ReporterSettings.InitialBackoff"/>, capped by <see cref="ReporterSettings.MaxBackoff"/>,
/// with Polly's decorrelated jitter when jitter is on. The delay generator overrides Polly's delay in two cases, in this
/// order: a <c>Retry-After</c> (429 and 503 only), capped here since Polly does not cap a generated delay; and the delay
/// the <see cref="RetryBudget"/> sets (<see cref="DeliveryStateMachine.RetryDelay"/>): the initial backoff for a retry a
/// success paid for, however far Polly's attempt count has climbed, and the wait for the next sampling tick for one it did
/// not. So at the defaults (<c>MaxBackoff</c> no longer than <c>PostInterval</c>) Polly's computed delays never exceed the
/// wait for a tick and are not used; with a longer <c>MaxBackoff</c> they space out the retries of a long outage. Attempts are unlimited: the library never gives up while the host runs.
/// Polly's attempt count restarts with each execution, which the delivery loop starts anew after the all-clear window or
/// once it has caught up after failures, so an endpoint that flaps while a backlog waits keeps climbing.
/// </remarks>
internal static class DeliveryRetry
{
    /// <param name="settings">The backoff settings.</param>
    /// <param name="budget">The retry budget's delay for the failure just handled, or <see langword="null"/> for Polly's.</param>
    /// <param name="onRetry">Told of each retry and its delay.</param>
    public static RetryStrategyOptions Create(ReporterSettings settings, Func<TimeSpan?> budget, Func<OnRetryArguments<object>, ValueTask> onRetry) => new()
    {
        ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is not null and not OperationCanceledException),
        MaxRetryAttempts = int.MaxValue,
        BackoffType = DelayBackoffType.Exponential,
        Delay = settings.InitialBackoff,
        MaxDelay = settings.MaxBackoff,
        UseJitter = settings.UseJitter,
        DelayGenerator = args => new ValueTask<TimeSpan?>(Override(args.Outcome.Exception, budget(), settings)),
        OnRetry = onRetry,
    };

    /// <summary>Whether two settings give the same retry strategy, so a pipeline built for one serves the other.</summary>
    public static bool SameBackoff(ReporterSettings a, ReporterSettings b) =>
        a.InitialBackoff == b.InitialBackoff && a.MaxBackoff == b.MaxBackoff && a.UseJitter == b.UseJitter;

    /// <summary>The delay that replaces Polly's, if any: the endpoint's <c>Retry-After</c>, else the retry budget's.</summary>
    /// <returns><see langword="null"/> to let Polly compute the delay.</returns>
    public static TimeSpan? Override(Exception? failure, TimeSpan? budget, ReporterSettings settings) =>
        RetryAfter(failure, settings.InitialBackoff, settings.MaxBackoff) ?? budget;

    /// <summary>
    /// The wait the endpoint asked for, between <paramref name="initialBackoff"/> (a Retry-After a tick away must not
    /// beat the attempt-rate floor) and <paramref name="maxBackoff"/>; <see langword="null"/> lets Polly compute the delay.
    /// </summary>
    public static TimeSpan? RetryAfter(Exception? failure, TimeSpan initialBackoff, TimeSpan maxBackoff) =>
        (failure as ReportFailedException)?.RetryAfter is { } wait && wait > TimeSpan.Zero
            ? (wait < initialBackoff ? initialBackoff : wait < maxBackoff ? wait : maxBackoff)
            : null;
}
