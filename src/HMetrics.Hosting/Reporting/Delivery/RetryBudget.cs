namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// Decides whether a failed sample may be retried before the sampler takes the next one: only when successes paid for it.
/// An unpaid retry waits for the next sample, so a dyno whose endpoint is down sends no more than it would if it were up.
/// </summary>
/// <remarks>
/// <para>
/// With a backlog, a retry sooner than the next sampling tick gains nothing that matters: the sample keeps its own
/// <c>Measurements-Time</c> and waits. But every dyno of every app fails at once when the endpoint does, and Polly's first
/// delays (1, 2, 4, 8 s) would multiply the endpoint's load at the worst moment (5.8 times the steady rate in the fleet
/// simulation). So an unpaid retry goes at the next tick, with that tick's sample waiting behind it: while the endpoint is
/// down, one request per interval, as in steady state.
/// </para>
/// <para>
/// A success earns a token that pays for one retry after Polly's short delay. Normally a token lasts until the next sample
/// is taken: the first request after a tick, the one every dyno sends when an outage begins, never has one. When the
/// endpoint's failures look random (<see cref="FailurePattern"/>), successes earn two tokens each, up to four, and they
/// keep across ticks: retries are then paid for by the endpoint's own successes, which keeps a dyno level with an endpoint
/// that fails up to two requests in three.
/// </para>
/// <para>Pure state, owned by <see cref="DeliveryStateMachine"/>; times are the newest sample's steady-clock time.</para>
/// </remarks>
internal sealed class RetryBudget
{
    internal const int RandomTokensPerSuccess = 2;
    internal const int RandomTokenCap = 4;

    private int _tokens;
    private TimeSpan? _tokensEarnedAt;
    private TimeSpan? _waitingFor;

    /// <summary>A POST succeeded while <paramref name="newest"/> was the newest sample taken.</summary>
    /// <param name="newest">The newest sample's steady time.</param>
    /// <param name="random">Whether the endpoint's failures look random.</param>
    public void Succeeded(TimeSpan newest, bool random)
    {
        if (!random && _tokensEarnedAt != newest)
        {
            _tokens = 0;
        }

        _tokens = random ? Math.Min(_tokens + RandomTokensPerSuccess, RandomTokenCap) : 1;
        _tokensEarnedAt = newest;
        _waitingFor = null;
    }

    /// <summary>A POST failed while <paramref name="newest"/> was the newest sample taken.</summary>
    /// <param name="newest">The newest sample's steady time.</param>
    /// <param name="random">Whether the endpoint's failures look random: tokens earned before the last tick count too.</param>
    /// <returns>Whether a token paid for a quick retry; if not, the retry waits for a sample newer than <paramref name="newest"/>.</returns>
    public bool Failed(TimeSpan newest, bool random)
    {
        if (_tokens > 0 && (random || _tokensEarnedAt == newest))
        {
            _tokens--;
            return true;
        }

        _tokens = 0;
        _waitingFor = newest;
        return false;
    }

    /// <summary>Whether a retry may go now, <paramref name="newest"/> being the newest sample taken.</summary>
    public bool MayRetry(TimeSpan newest)
    {
        if (_waitingFor is { } waitingFor && newest <= waitingFor)
        {
            return false;
        }

        _waitingFor = null;
        return true;
    }
}
