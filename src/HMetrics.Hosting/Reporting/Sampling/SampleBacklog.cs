namespace HMetrics.Hosting.Reporting.Sampling;

/// <summary>
/// The samples not yet delivered, oldest first, in a ring of reused slots; kept as long as the endpoint would accept them.
/// </summary>
/// <remarks>
/// <para>
/// The endpoint ignores measurements older than about four minutes. A sample is kept while it is at most
/// <see cref="MaxAge"/> old: four minutes less a 30-second margin for clock skew between the dyno and Heroku and for the
/// request's own time. Ages are measured on the steady clock (<see cref="Sample.TakenAt"/>), never by the wall clock, which
/// may jump; older samples are dropped, never merged into a newer one, which would put their counts in the wrong minute.
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

    /// <summary>
    /// How far counter increments may be carried from the sample that expired to the one that delivers them. The charts
    /// aggregate per minute: counts up to two minutes late land in a neighbouring minute, where a hole would hide them from
    /// every per-minute total. Against an endpoint failing half its requests at random, 99.6 % of the counts arrive within
    /// this bound (docs/fleet-simulation.md); an outage longer than the window still leaves a hole.
    /// </summary>
    public static readonly TimeSpan MaxCarry = TimeSpan.FromMinutes(2);

    /// <summary>The most slots a backlog has, whatever the interval: bounds memory for very short intervals.</summary>
    public const int MaxCapacity = 256;

    private readonly Lock _lock = new();
    private readonly Sample?[] _slots;
    private int _head;
    private int _count;
    private InFlight _inFlight;

    public SampleBacklog(TimeSpan postInterval)
    {
        // Only references: a slot's sample is made the first time the backlog grows that far. One spare slot, so a full
        // ring can still take a new sample while one is being sent.
        _slots = new Sample?[MaxCapacity + 1];
        Resize(postInterval);
    }

    private enum InFlight
    {
        None,
        Head,
        Newest,
    }

    /// <summary>Gets how many samples the backlog keeps.</summary>
    public int Capacity { get; private set; }

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

    /// <summary>Keeps as many samples as <see cref="MaxAge"/> holds at <paramref name="postInterval"/>; a shorter backlog drops its oldest at the next sample.</summary>
    public void Resize(TimeSpan postInterval)
    {
        lock (_lock)
        {
            Capacity = CapacityFor(postInterval);
        }
    }

    /// <summary>Takes a sample into the backlog: <paramref name="fill"/> writes its readings into a free slot.</summary>
    /// <returns>
    /// How many samples had to make room (more than one after the ring shrank, or once a send that held the spare slot
    /// ended) and the measurement times of the oldest and newest of them; they are already counted out.
    /// </returns>
    public (int Count, DateTimeOffset From, DateTimeOffset To) Add<TState>(DateTimeOffset measuredAt, TimeSpan takenAt, Action<Sample, TState> fill, TState state)
    {
        lock (_lock)
        {
            var evicted = 0;
            DateTimeOffset from = default, to = default;
            while (_count >= Capacity + (_inFlight == InFlight.None ? 0 : 1))
            {
                to = EvictOldestIdle();
                from = evicted++ == 0 ? to : from;
            }

            var index = (_head + _count) % _slots.Length;
            var sample = _slots[index] ??= new Sample();
            sample.MeasuredAt = measuredAt;
            sample.TakenAt = takenAt;
            sample.CountsSince = takenAt;
            fill(sample, state);
            _count++;
            return (evicted, from, to);
        }
    }

    /// <summary>Gets when the newest sample was taken (steady clock); <see langword="null"/> when none waits.</summary>
    public TimeSpan? NewestTakenAt
    {
        get
        {
            lock (_lock)
            {
                return _count == 0 ? null : _slots[(_head + _count - 1) % _slots.Length]!.TakenAt;
            }
        }
    }

    /// <summary>Gets the oldest sample without marking it.</summary>
    public bool TryPeekOldest(out Sample sample)
    {
        lock (_lock)
        {
            sample = _count == 0 ? null! : _slots[_head]!;
            return _count > 0;
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
            _inFlight = InFlight.Head;
            return true;
        }
    }

    /// <summary>Gets the newest sample and marks it in flight: the flush sends the final sample first.</summary>
    public bool TryBeginSendNewest(out Sample sample)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                sample = null!;
                return false;
            }

            sample = _slots[(_head + _count - 1) % _slots.Length]!;
            _inFlight = _count == 1 ? InFlight.Head : InFlight.Newest;
            return true;
        }
    }

    /// <summary>Gets the sample in flight, if any.</summary>
    public bool TryPeekInFlight(out Sample sample)
    {
        lock (_lock)
        {
            sample = _inFlight switch
            {
                InFlight.Head when _count > 0 => _slots[_head]!,
                InFlight.Newest when _count > 0 => _slots[(_head + _count - 1) % _slots.Length]!,
                _ => null!,
            };
            return sample is not null;
        }
    }

    /// <summary>Ends the send of the sample in flight: removes it if <paramref name="remove"/>, else keeps it for a retry.</summary>
    public void EndSend(bool remove)
    {
        lock (_lock)
        {
            var inFlight = _inFlight;
            _inFlight = InFlight.None;
            if (!remove || _count == 0)
            {
                return;
            }

            if (inFlight == InFlight.Newest)
            {
                _count--;
            }
            else if (inFlight == InFlight.Head)
            {
                RemoveHead();
            }
        }
    }

    /// <summary>Gets the sample after the oldest, without marking it.</summary>
    public bool TryPeekSecond(out Sample sample)
    {
        lock (_lock)
        {
            sample = _count < 2 ? null! : _slots[(_head + 1) % _slots.Length]!;
            return _count > 1;
        }
    }

    /// <summary>Drops the oldest sample, unless it is in flight.</summary>
    /// <returns>Its measurement time; <see langword="null"/> when none waits or it is in flight.</returns>
    public DateTimeOffset? DropOldest()
    {
        lock (_lock)
        {
            if (_count == 0 || _inFlight == InFlight.Head)
            {
                return null;
            }

            var measuredAt = _slots[_head]!.MeasuredAt;
            RemoveHead();
            return measuredAt;
        }
    }

    /// <summary>
    /// Removes the oldest sample, carrying its counter increments into the one after it, which the endpoint still accepts:
    /// the counts arrive one interval late rather than never.
    /// </summary>
    /// <returns>The measurement time of the sample removed; <see langword="null"/> when fewer than two wait or the head is in flight.</returns>
    public DateTimeOffset? MergeOldestIntoNext()
    {
        lock (_lock)
        {
            if (_count < 2 || _inFlight == InFlight.Head)
            {
                return null;
            }

            var oldest = _slots[_head]!;
            var next = _slots[(_head + 1) % _slots.Length]!;
            for (var i = 0; i < next.Counters.Length; i++)
            {
                next.Counters[i] += oldest.Counters[i];
            }

            next.CountsSince = oldest.CountsSince < next.CountsSince ? oldest.CountsSince : next.CountsSince;
            var measuredAt = oldest.MeasuredAt;
            RemoveHead();
            return measuredAt;
        }
    }

    /// <summary>Empties the backlog: what is left when the reporter stops.</summary>
    /// <returns>How many samples it held and the measurement times of the oldest and newest.</returns>
    public (int Count, DateTimeOffset From, DateTimeOffset To) Clear()
    {
        lock (_lock)
        {
            var count = _count;
            var from = count == 0 ? default : _slots[_head]!.MeasuredAt;
            var to = count == 0 ? default : _slots[(_head + count - 1) % _slots.Length]!.MeasuredAt;
            (_head, _count, _inFlight) = (0, 0, InFlight.None);
            return (count, from, to);
        }
    }

    private DateTimeOffset EvictOldestIdle()
    {
        if (_inFlight != InFlight.Head)
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
