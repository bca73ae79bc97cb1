using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>A DelegatingHandler added through the builder <c>AddHerokuMetrics()</c> returns.</summary>
internal sealed record HandlerPlan(HandlerFault Fault, Cadence Cadence, TimeSpan Delay, int Status, string? RetryAfter)
{
    public override string ToString() => Fault switch
    {
        HandlerFault.Delay => $"waits {Delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (fake) on {Cadence}",
        HandlerFault.OddStatus => $"answers {Status}{(RetryAfter is null ? string.Empty : $" Retry-After '{RetryAfter}'")} on {Cadence}",
        _ => $"{Fault} on {Cadence}",
    };
}
