namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>
/// Tells a degraded endpoint that fails requests at random from one that is down, by what a quick retry finds.
/// </summary>
/// <remarks>
/// <para>
/// The two call for opposite conduct. An endpoint that is down (a full outage, or one flapping for tens of seconds at a
/// time) is the same for every dyno of every app: retrying quickly multiplies its load at the worst moment, and a
/// recovered fleet must drain politely. An endpoint that sheds a share of requests at random fails each dyno's requests
/// independently: retrying and draining quickly costs the fleet no peak, only the requests a healthy endpoint would take
/// anyway, and waiting an interval after every failure lets the backlog outgrow the endpoint's window.
/// </para>
/// <para>
/// Failures alone cannot tell them apart: runs of failures look alike. A retry a second after a failure can: against a
/// down endpoint it fails again almost always, against random loss it succeeds as often as any request. So the outcome of
/// each paid retry (<see cref="RetryBudget"/>) moves a score, a moving average with a weight of 0.1, and the endpoint
/// looks random while the score is at least 0.25. It starts at 0, as an endpoint that is down would leave it: the fleet's
/// first reaction to failures is always the polite one.
/// </para>
/// </remarks>
internal sealed class FailurePattern
{
    internal const double Weight = 0.1;
    internal const double RandomAtLeast = 0.25;

    private double _score;

    /// <summary>Gets whether the endpoint's failures look random: retries and drains may go quickly.</summary>
    public bool LooksRandom => _score >= RandomAtLeast;

    /// <summary>A quick retry succeeded (or failed).</summary>
    public void QuickRetry(bool succeeded) => _score += Weight * ((succeeded ? 1 : 0) - _score);
}
