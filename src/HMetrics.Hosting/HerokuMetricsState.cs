namespace HMetrics.Hosting;

/// <summary>
/// What the Heroku metrics reporter is doing.
/// </summary>
public enum HerokuMetricsState
{
    /// <summary>The host has not started the reporter yet.</summary>
    NotStarted = 0,

    /// <summary>The reporter decided at start not to report; <see cref="HerokuMetricsStatus.IdleReason"/> says why.</summary>
    Idle = 1,

    /// <summary>The reporter samples and delivers reports.</summary>
    Reporting = 2,

    /// <summary>The host stopped the reporter.</summary>
    Stopped = 3,
}
