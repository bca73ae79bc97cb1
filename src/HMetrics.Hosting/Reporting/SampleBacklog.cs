namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The samples not yet delivered, oldest first, in a ring of reused slots; kept as long as the endpoint would accept them.
/// </summary>
/// <remarks>
/// <para>
/// The endpoint ignores measurements older than about four minutes. A sample is kept while its
/// <c>Measurements-Time</c> is at most <see cref="MaxAge"/> old: four minutes less a 30-second margin for clock skew
/// between the dyno and Heroku and for the request's own time. Older samples are dropped, never merged into a newer one,
/// which would put their counts in the wrong minute.
/// </para>
/// <para>
/// The sampler adds at the tail from its timer; delivery reads the head from its loop, and may be sending it while the
/// sampler runs. A head marked in flight is never reused: when the ring is full, the sample after it makes room. While
/// nothing waits the ring restarts at slot 0, so steady state touches one slot and allocates nothing.
/// </para>
/// </remarks>
internal sealed class SampleBacklog
{
    /// <summary>How old a measurement the endpoint accepts.</summary>
    public static readonly TimeSpan AcceptanceWindow = TimeSpan.FromMinutes(4);

    /// <summary>What is kept off the window for clock skew and the request's own time.</summary>
    public static readonly TimeSpan SafetyMargin = TimeSpan.FromSeconds(30);

    /// <summary>The age past which a sample is dropped.</summary>
    public static readonly TimeSpan MaxAge = AcceptanceWindow - SafetyMargin;

    /// <summary>The most slots a backlog has, whatever the interval: bounds memory for very short intervals.</summary>
    public const int MaxCapacity = 256;

    private readonly Lock _lock = new();
    private readonly Sample?[] _slots;
    private int _head;
    private int _count;
    private bool _headInFlight;

    public SampleBacklog(TimeSpan postInterval)
    {
        // Only references: a slot's sample and body are made the first time the backlog grows that far. One spare slot,
        // so a full ring can still take a new sample while the head is being sent.
        _slots = new Sample?[MaxCapacity + 1];
        Resize(postInterval);
    }

    /// <summary>Gets how many samples the backlog keeps.</summary>
    public int Capacity { get; private set; }

    /// <summary>Keeps as many samples as <see cref="MaxAge"/> holds at <paramref name="postInterval"/>; a shorter backlog drops its oldest at the next sample.</summary>
    public void Resize(TimeSpan postInterval)
    {
        lock (_lock)
        {
            Capacity = CapacityFor(postInterval);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>The slots needed to keep every sample of <see cref="MaxAge"/>, plus the newest, within <see cref="MaxCapacity"/>.</summary>
    public static int CapacityFor(TimeSpan postInterval)
    {
        var needed = (MaxAge.Ticks / Math.Max(1, postInterval.Ticks)) + 2;
        return (int)Math.Min(MaxCapacity, needed);
    }

    /// <summary>Takes a sample into the backlog: <paramref name="fill"/> writes it into a free slot.</summary>
    /// <returns>The sample that had to make room, already counted out, or <see langword="null"/>.</returns>
    public DateTimeOffset? Add<TState>(DateTimeOffset measuredAt, Func<Sample, TState, int> fill, TState state)
    {
        lock (_lock)
        {
            DateTimeOffset? evicted = null;
            while (_count >= Capacity + (_headInFlight ? 1 : 0))
            {
                evicted = EvictOldestIdle();
            }

            var index = (_head + _count) % _slots.Length;
            var sample = _slots[index] ??= new Sample();
            sample.Body.ResetWrittenCount();
            sample.MeasuredAt = measuredAt;
            sample.Count = fill(sample, state);
            _count++;
            return evicted;
        }
    }

    /// <summary>Gets the oldest sample and marks it in flight, so it is not reused while it is sent.</summary>
    public bool TryBeginSend(out Sample sample)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                sample = null!;
                return false;
            }

            sample = _slots[_head]!;
            _headInFlight = true;
            return true;
        }
    }

    /// <summary>Ends the send of the oldest sample: removes it if <paramref name="remove"/>, else keeps it for a retry.</summary>
    public void EndSend(bool remove)
    {
        lock (_lock)
        {
            _headInFlight = false;
            if (remove && _count > 0)
            {
                RemoveHead();
            }
        }
    }

    /// <summary>Drops every sample measured before <paramref name="cutoff"/>, the one in flight excepted.</summary>
    /// <returns>How many were dropped and the measurement times of the oldest and newest of them.</returns>
    public (int Count, DateTimeOffset From, DateTimeOffset To) DropOlderThan(DateTimeOffset cutoff)
    {
        lock (_lock)
        {
            var dropped = 0;
            DateTimeOffset from = default, to = default;
            while (_count > 0 && !_headInFlight && _slots[_head]!.MeasuredAt < cutoff)
            {
                var measuredAt = _slots[_head]!.MeasuredAt;
                from = dropped == 0 ? measuredAt : from;
                to = measuredAt;
                dropped++;
                RemoveHead();
            }

            return (dropped, from, to);
        }
    }

    /// <summary>Gets the newest sample, for the flush on shutdown.</summary>
    public bool TryPeekNewest(out Sample sample)
    {
        lock (_lock)
        {
            sample = _count == 0 ? null! : _slots[(_head + _count - 1) % _slots.Length]!;
            return _count > 0;
        }
    }

    /// <summary>Removes the newest sample once the flush delivered it.</summary>
    public void RemoveNewest()
    {
        lock (_lock)
        {
            if (_count > (_headInFlight ? 1 : 0))
            {
                _count--;
            }
        }
    }

    private DateTimeOffset EvictOldestIdle()
    {
        if (!_headInFlight)
        {
            var measuredAt = _slots[_head]!.MeasuredAt;
            RemoveHead();
            return measuredAt;
        }

        // The head is being sent: the one after it goes, and its slot moves behind the head to be reused as the tail.
        var next = (_head + 1) % _slots.Length;
        var victim = _slots[next]!;
        var at = victim.MeasuredAt;
        for (var i = 1; i < _count - 1; i++)
        {
            var from = (_head + i + 1) % _slots.Length;
            var to = (_head + i) % _slots.Length;
            _slots[to] = _slots[from];
        }

        _slots[(_head + _count - 1) % _slots.Length] = victim;
        _count--;
        return at;
    }

    private void RemoveHead()
    {
        _head = (_head + 1) % _slots.Length;
        _count--;
        if (_count == 0)
        {
            _head = 0;
        }
    }
}
