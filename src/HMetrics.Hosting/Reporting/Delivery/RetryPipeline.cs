using System.Runtime.ExceptionServices;
using Polly;
using Polly.Retry;

namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// Polly's retry strategy for delivery, built the first time a POST fails: until then the loop runs without it, and Polly
/// is not even loaded.
/// </summary>
/// <remarks>
/// A reporter whose endpoint never fails needs no retry strategy, and building one costs about three megabytes resident
/// (Polly, and the validation assemblies its options load: BENCHMARKS.md). The failure that made it is replayed as the
/// first attempt of the first execution, so Polly computes its delay and calls <c>OnRetry</c> for it like for any other.
/// Rebuilt when a reload changes the backoff settings, so new values apply from the next failure on.
/// </remarks>
internal sealed class RetryPipeline(DeliveryStateMachine machine, ReporterSettingsSource settings, TimeProvider time, SafeLogger logger)
{
    private ReporterSettings? _builtFor;
    private ResiliencePipeline? _pipeline;

    /// <summary>Whether the pipeline serves <paramref name="current"/>: its backoff settings are those it was built for.</summary>
    public bool Serves(ReporterSettings current) =>
        _builtFor is { } built && (ReferenceEquals(built, current) || DeliveryRetry.SameBackoff(built, current));

    /// <summary>Runs one Polly execution of <paramref name="run"/>.</summary>
    /// <param name="run">One delivery run; it ends the execution by returning (all clear) and fails it by throwing.</param>
    /// <param name="firstFailure">A failure that already happened outside Polly: the execution's first attempt, replayed.</param>
    /// <param name="cancellationToken">Ends the execution.</param>
    public ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> run, Exception? firstFailure, CancellationToken cancellationToken)
    {
        var current = settings.Current;
        if (_pipeline is null || !Serves(current))
        {
            _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
                .AddRetry(DeliveryRetry.Create(current, () => machine.RetryDelay(settings.Current), OnRetry))
                .Build();
            _builtFor = current;
        }

        var replay = new Replay(run, firstFailure);
        return _pipeline.ExecuteAsync(static (replay, token) => replay.Next(token), replay, cancellationToken);
    }

    private ValueTask OnRetry(OnRetryArguments<object> args)
    {
        // Polly's callback: nothing may escape into its retry loop.
        try
        {
            var failure = args.Outcome.Exception;
            var kind = (failure as ReportFailedException)?.Kind ?? "error";
            var reason = failure is null ? "unknown" : SampleSender.Describe(failure, settings.Current.Endpoint);
            machine.Retrying(kind, reason, args.RetryDelay);
        }
        catch (Exception ex)
        {
            Log.UnexpectedError(logger, "the retry callback", FailureText.Describe(ex, settings.Current.Endpoint, withStackTrace: true));
        }

        return default;
    }

    private sealed class Replay(Func<CancellationToken, ValueTask> run, Exception? firstFailure)
    {
        private Exception? _pending = firstFailure;

        public ValueTask Next(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _pending, null) is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }

            return run(cancellationToken);
        }
    }
}
