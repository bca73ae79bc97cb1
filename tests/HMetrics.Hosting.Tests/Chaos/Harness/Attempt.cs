namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>One POST as the library handed it to its handler chain, followed until the library has its answer.</summary>
/// <param name="Id">Unique in the run: the host's name and a number; sent in <see cref="AttemptObserver.Header"/>.</param>
/// <param name="MeasurementsTime">The request's <c>Measurements-Time</c>.</param>
/// <param name="SentAt">Steady fake time since the run began when the library sent it.</param>
/// <param name="Token">The request's cancellation token, as the library passed it.</param>
internal sealed record Attempt(string Id, string Host, string? MeasurementsTime, TimeSpan SentAt, CancellationToken Token = default)
{
    private int _parks;

    /// <summary>Gets what the library got: a status or an exception's type.</summary>
    public string Outcome { get; set; } = "pending";

    /// <summary>Gets whether the library got a 2xx response: only then may it count the sample as delivered.</summary>
    public bool LibrarySawSuccess { get; set; }

    /// <summary>Gets whether the library has its answer and has gone on to whatever it does next.</summary>
    public bool Ended { get; set; }

    /// <summary>
    /// Gets whether something of the test holds the request until fake time passes or it is cancelled, and it is not
    /// cancelled yet: once the library cancels it (its deadline, a stop), the request is on its way to an end.
    /// </summary>
    public bool Parked => Volatile.Read(ref _parks) > 0 && !Token.IsCancellationRequested;

    public void Park() => Interlocked.Increment(ref _parks);

    public void Unpark() => Interlocked.Decrement(ref _parks);
}
