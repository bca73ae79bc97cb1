using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>One way the endpoint answers.</summary>
internal sealed record EndpointBehaviour(EndpointKind Kind, int Status, string? RetryAfter, TimeSpan Delay)
{
    public static readonly EndpointBehaviour Up = new(EndpointKind.Answer, 200, null, TimeSpan.Zero);

    public bool Accepts => Kind == EndpointKind.Answer && Status is >= 200 and < 300;

    public override string ToString() => Kind switch
    {
        EndpointKind.Answer =>
            Status.ToString(CultureInfo.InvariantCulture) +
            (RetryAfter is null ? string.Empty : $" Retry-After '{RetryAfter}'") +
            (Delay > TimeSpan.Zero ? $" after {Delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (slow headers)" : string.Empty),
        EndpointKind.Drop => "drops the connection",
        _ => "hangs",
    };
}
