namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// Library threads held by a hostile part (a logging sink that blocks) until fake time reaches a moment: the run lets
/// time pass while they wait, as it would pass on a machine whose sink stalled the library's thread, and releases them
/// on time.
/// </summary>
/// <remarks>The held thread blocks on a gate the run opens; nothing sleeps. A gate left shut opens by itself after <see cref="RealLimit"/>, so a run that ends early never strands a thread.</remarks>
internal sealed class ThreadHolds(ChaosClock clock, ChangeSignal changed)
{
    /// <summary>The longest a held thread waits in real time, whatever happens to the run.</summary>
    public static readonly TimeSpan RealLimit = TimeSpan.FromSeconds(20);

    private readonly Lock _lock = new();
    private readonly List<(TimeSpan ReleaseAt, ManualResetEventSlim Gate)> _holds = [];
    private int _stopping;

    /// <summary>Blocks the calling thread until fake time has passed <paramref name="fakeTime"/> from now.</summary>
    /// <remarks>
    /// Not while a host stops: fake time does not pass during a stop, so a hold that begins then (a reporter that logs
    /// its Started line only as the stop comes) would keep the stop waiting until its shutdown timeout.
    /// </remarks>
    public void Hold(TimeSpan fakeTime)
    {
        using var gate = new ManualResetEventSlim();
        var hold = (clock.Elapsed + fakeTime, gate);
        lock (_lock)
        {
            if (_stopping > 0)
            {
                return;
            }

            _holds.Add(hold);
        }

        changed.Pulse();
        try
        {
            _ = gate.Wait(RealLimit);
        }
        finally
        {
            lock (_lock)
            {
                _ = _holds.Remove(hold);
            }

            changed.Pulse();
        }
    }

    /// <summary>Gets the earliest moment a held thread is due to go on, if any is held.</summary>
    public TimeSpan? NextRelease()
    {
        lock (_lock)
        {
            return _holds.Count == 0 ? null : _holds.Min(h => h.ReleaseAt);
        }
    }

    /// <summary>Lets go every thread whose moment has come.</summary>
    public void ReleaseDue() => Release(clock.Elapsed);

    /// <summary>Lets go every held thread (a host is about to stop: its stop would wait for them).</summary>
    public void ReleaseAll() => Release(TimeSpan.MaxValue);

    /// <summary>A host stops: every held thread goes on, and no new hold begins until the returned scope ends.</summary>
    public IDisposable Stopping()
    {
        lock (_lock)
        {
            _stopping++;
        }

        ReleaseAll();
        return new StopScope(this);
    }

    private sealed class StopScope(ThreadHolds holds) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (holds._lock)
                {
                    holds._stopping--;
                }
            }
        }
    }

    private void Release(TimeSpan upTo)
    {
        lock (_lock)
        {
            foreach (var (releaseAt, gate) in _holds.Where(h => h.ReleaseAt <= upTo))
            {
                gate.Set();
            }
        }
    }
}
