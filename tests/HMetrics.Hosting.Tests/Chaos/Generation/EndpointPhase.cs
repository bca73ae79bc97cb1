namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>
/// From <see cref="From"/> to <see cref="To"/> (steady fake time since the run began) the endpoint behaves as
/// <see cref="Behaviour"/>; when <see cref="FlapPeriod"/> is set it flaps, <see cref="Behaviour"/> and up in turn.
/// </summary>
internal sealed record EndpointPhase(TimeSpan From, TimeSpan To, EndpointBehaviour Behaviour, TimeSpan FlapPeriod)
{
    public EndpointBehaviour At(TimeSpan time) =>
        FlapPeriod <= TimeSpan.Zero || ((time - From).Ticks / FlapPeriod.Ticks) % 2 == 0 ? Behaviour : EndpointBehaviour.Up;

    public override string ToString() =>
        $"{ChaosStep.Format(From)}-{ChaosStep.Format(To)} " +
        (FlapPeriod > TimeSpan.Zero ? $"flaps every {ChaosStep.Format(FlapPeriod)}: {Behaviour} / up" : Behaviour.ToString());
}
