using HMetrics.Hosting.Reporting;

namespace HMetrics.Hosting.FleetSimulation;

/// <summary>How one simulated dyno spaces its POSTs while a backlog drains: the delivery loop's calls into its pacer.</summary>
internal abstract class SimulatedPacing
{
    /// <summary>The wait, in seconds, before sending the head at <paramref name="now"/>.</summary>
    public abstract double WaitBeforeSend(double now, bool waitingBehind, double jitterSample);

    /// <summary>A POST succeeded at <paramref name="now"/>.</summary>
    public abstract void Delivered(double now, bool waitingBehind, bool waited);

    /// <summary>A POST failed.</summary>
    public abstract void Failed();

    /// <summary>The Polly execution ended with the all-clear.</summary>
    public abstract void AllClear();
}

/// <summary>The library's own <see cref="DrainPacer"/>, on a clock the simulation sets.</summary>
internal sealed class LibraryPacing : SimulatedPacing
{
    private readonly SimulatedClock _clock = new();
    private readonly DrainPacer _pacer;
    private readonly TimeSpan _postInterval;

    public LibraryPacing(TimeSpan postInterval)
    {
        _pacer = new DrainPacer(_clock);
        _postInterval = postInterval;
    }

    public override double WaitBeforeSend(double now, bool waitingBehind, double jitterSample)
    {
        _clock.Seconds = now;
        return _pacer.WaitBeforeSend(waitingBehind, _postInterval, jitterSample).TotalSeconds;
    }

    public override void Delivered(double now, bool waitingBehind, bool waited)
    {
        _clock.Seconds = now;
        _pacer.Delivered(_clock.GetTimestamp(), waitingBehind, waited);
    }

    public override void Failed() => _pacer.Failed();

    public override void AllClear() => _pacer.AllClear();

    /// <summary>Simulated seconds as timestamps of one tick (100 ns), the resolution the library's waits have.</summary>
    private sealed class SimulatedClock : TimeProvider
    {
        public double Seconds { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => (long)Math.Round(Seconds * TimeSpan.TicksPerSecond);
    }
}

/// <summary>
/// Not the library any more: the pacing before <see cref="DrainPacer"/>, for the what-if row. Every drain gap 0.45–0.65 of
/// an interval (floored to milliseconds), no ramp-in, no calm or urgent pace.
/// </summary>
internal sealed class PreviousPacing(TimeSpan postInterval) : SimulatedPacing
{
    private bool _draining;
    private double _lastDelivered = double.NegativeInfinity;

    public override double WaitBeforeSend(double now, bool waitingBehind, double jitterSample)
    {
        _draining |= waitingBehind;
        var gap = Math.Floor(postInterval.TotalMilliseconds * (0.45 + (0.2 * jitterSample))) / 1000;
        return _draining ? Math.Max(0, gap - (now - _lastDelivered)) : 0;
    }

    public override void Delivered(double now, bool waitingBehind, bool waited)
    {
        _lastDelivered = now;
        _draining = waitingBehind || (_draining && waited);
    }

    public override void Failed()
    {
    }

    public override void AllClear()
    {
    }
}
