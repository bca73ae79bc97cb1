namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The delay before the next reporting run: capped, jittered exponential backoff with an all-clear reset window.
/// </summary>
/// <remarks>
/// The Go package meant to reset its backoff when a run had lived long enough, but its retry loop never ran. Here the
/// rule is applied to every failure: a run that lasted at least <see cref="HerokuMetricsOptions.BackoffResetAfter"/>
/// starts again from <see cref="HerokuMetricsOptions.InitialBackoff"/>; a flapping endpoint keeps climbing to the cap.
/// </remarks>
internal sealed class BackoffSchedule(Func<double> jitterSample)
{
    private int _step;

    /// <summary>Gets the number of doublings the next exponential delay will have.</summary>
    public int Step => _step;

    /// <summary>Computes the delay after a failed run.</summary>
    /// <param name="options">The backoff settings in force now.</param>
    /// <param name="runDuration">How long the failed run lasted.</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c>, when it sent one with 429 or 503.</param>
    public TimeSpan NextDelay(HerokuMetricsOptions options, TimeSpan runDuration, TimeSpan? retryAfter)
    {
        if (runDuration >= options.BackoffResetAfter)
        {
            _step = 0;
        }

        if (retryAfter is { } wait && wait > TimeSpan.Zero)
        {
            // Polly caps only the delays it computes itself, never one from a DelayGenerator: cap it here. The floor keeps
            // a Retry-After date a few ticks away from turning into a burst of attempts.
            return wait < options.InitialBackoff ? options.InitialBackoff : wait < options.MaxBackoff ? wait : options.MaxBackoff;
        }

        var max = options.MaxBackoff.Ticks;
        var exponential = options.InitialBackoff.Ticks;
        for (var i = 0; i < _step && exponential < max; i++)
        {
            exponential *= 2;
        }

        // Once at the cap the step stops growing, so the doubling above can never overflow.
        if (exponential < max)
        {
            _step++;
        }

        var jitter = (long)(options.BackoffJitter.Ticks * Math.Clamp(jitterSample(), 0d, 1d));
        var total = exponential >= max ? max : Math.Min(max, exponential + jitter);
        return TimeSpan.FromTicks(total);
    }
}
