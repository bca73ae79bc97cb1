namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>How one kind of call of a hostile logger misbehaves, and on which calls.</summary>
internal sealed record CallFault(FaultKind Kind, Cadence Cadence)
{
    public static readonly CallFault None = new(FaultKind.None, Cadence.Always);

    public bool Hits(long call) => Kind != FaultKind.None && Cadence.Hits(call);

    public override string ToString() => Kind switch
    {
        FaultKind.None => "fine",
        FaultKind.Throw => "throws on " + Cadence,
        _ => "slow on " + Cadence,
    };
}
