namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>The pace <see cref="DrainPacer"/> planned for one POST: kept until it is sent, however often the loop asks again.</summary>
/// <param name="Gap">The least time from the last delivery to this POST, when paced.</param>
/// <param name="Paced">Whether a drain paces this POST at all.</param>
/// <param name="WaitingBehind">Whether samples waited behind the head when the POST was planned.</param>
internal readonly record struct PacingPlan(TimeSpan Gap, bool Paced, bool WaitingBehind);
