namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>What <see cref="DeliveryStateMachine"/> tells the loop to do next.</summary>
internal readonly struct DeliveryDecision
{
    private DeliveryDecision(DeliveryAction action, TimeSpan delay, Sample? sample, TimeSpan? timeout)
    {
        Action = action;
        Delay = delay;
        Sample = sample;
        Timeout = timeout;
    }

    public DeliveryAction Action { get; }

    /// <summary>Gets how long to wait, for <see cref="DeliveryAction.Wait"/>.</summary>
    public TimeSpan Delay { get; }

    /// <summary>Gets the sample to send, for <see cref="DeliveryAction.Send"/>; it is marked in flight.</summary>
    public Sample? Sample { get; }

    /// <summary>
    /// Gets the request's exact deadline, for <see cref="DeliveryAction.Send"/>; <see langword="null"/> when the next
    /// sampling tick is its deadline (a regular report on the steady path, which then arms no timer).
    /// </summary>
    public TimeSpan? Timeout { get; }

    public static DeliveryDecision WaitForSample => new(DeliveryAction.WaitForSample, default, null, null);

    public static DeliveryDecision AllClear => new(DeliveryAction.AllClear, default, null, null);

    public static DeliveryDecision Wait(TimeSpan delay) => new(DeliveryAction.Wait, delay, null, null);

    public static DeliveryDecision Send(Sample sample, TimeSpan? timeout) => new(DeliveryAction.Send, default, sample, timeout);
}
