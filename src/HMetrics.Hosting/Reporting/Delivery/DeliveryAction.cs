namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>The kinds of <see cref="DeliveryDecision"/>.</summary>
internal enum DeliveryAction
{
    /// <summary>Nothing waits: wait until the sampler signals a sample, then ask again.</summary>
    WaitForSample,

    /// <summary>Delivery has succeeded for the all-clear window: end the Polly execution, so its attempt count restarts.</summary>
    AllClear,

    /// <summary>Wait <see cref="DeliveryDecision.Delay"/> (pacing), then ask again.</summary>
    Wait,

    /// <summary>Send <see cref="DeliveryDecision.Sample"/>, then report the outcome.</summary>
    Send,
}
