using HMetrics.Hosting;
using Polly;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>
/// Sequences of retry delays computed by Polly itself, from the library's own retry options.
/// </summary>
/// <remarks>
/// Polly v8 computes a delay only inside its retry strategy. One real pipeline per sequence is run on a clock whose
/// timers fire the moment they are armed, with a callback that always fails: every <c>OnRetry</c> reports the delay
/// Polly chose for that attempt, and nothing waits. One sequence is one Polly execution (the delivery loop's run until
/// the all-clear); its decorrelated jitter state lives in that execution, so a dyno draws a fresh sequence for each run.
/// </remarks>
internal sealed class PollyDelays
{
    private static readonly Exception Failure = new InvalidOperationException("simulated endpoint down");

    private readonly double[][] _pool;

    private PollyDelays(double[][] pool, int attempts)
    {
        _pool = pool;
        Attempts = attempts;
    }

    /// <summary>Gets how many attempts each sequence covers.</summary>
    public int Attempts { get; }

    /// <summary>Gets the number of distinct sequences.</summary>
    public int Count => _pool.Length;

    /// <summary>Gets the <paramref name="index"/>th execution's delays in seconds.</summary>
    public double[] this[int index] => _pool[index];

    /// <summary>Delays in seconds of one Polly execution, attempt 0 first.</summary>
    public double[] Draw(Random random) => _pool[_pool.Length == 1 ? 0 : random.Next(_pool.Length)];

    /// <summary>Runs <paramref name="sequences"/> real pipelines of <paramref name="attempts"/> failures each.</summary>
    /// <param name="options">The library options (backoff, cap, jitter); the pipeline is built from them by the library.</param>
    /// <param name="sequences">How many executions; without jitter every execution is the same, so one is made.</param>
    /// <param name="attempts">Failures per execution.</param>
    /// <param name="seed">Seeds Polly's randomizer, so the table is reproducible.</param>
    public static PollyDelays Generate(HerokuMetricsOptions options, int sequences, int attempts, int seed)
    {
        double[]? current = null;
        var index = 0;
        var retry = LibraryPolicy.RetryOptions(options, args =>
        {
            current![index++] = args.RetryDelay.TotalSeconds;
            return default;
        });

        var random = FleetSimulator.Stream(seed, 6);
        retry.Randomizer = random.NextDouble;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = InstantTime.Instance }.AddRetry(retry).Build();

        var count = retry.UseJitter ? sequences : 1;
        var pool = new double[count][];
        for (var i = 0; i < count; i++)
        {
            current = new double[attempts];
            index = 0;
            var context = ResilienceContextPool.Shared.Get();
            try
            {
                var outcome = pipeline.ExecuteOutcomeAsync(
                    static (_, state) => new ValueTask<Outcome<object>>(state.Index() < state.Attempts
                        ? Outcome.FromException<object>(Failure)
                        : Outcome.FromResult<object>(null!)),
                    context,
                    (Index: (Func<int>)(() => index), Attempts: attempts));
                if (!outcome.IsCompleted)
                {
                    throw new InvalidOperationException("Polly waited on the instant clock: the delay sequence would not be exact.");
                }
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }

            pool[i] = current;
        }

        return new PollyDelays(pool, attempts);
    }

    /// <summary>A clock whose timers fire as soon as they are armed: Polly's waits take no time.</summary>
    private sealed class InstantTime : TimeProvider
    {
        public static readonly InstantTime Instance = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                callback(state);
            }

            return new Fired();
        }

        private sealed class Fired : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => default;
        }
    }
}
