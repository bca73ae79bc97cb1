namespace HMetrics.Hosting.Tests.Reporting.Sampling;

/// <summary>
/// Issue 19, item 3: the backlog between the sampler's timer (adding) and delivery (sending the head, expiring, ending
/// sends), in generated interleavings. The sample in flight is never reused or changed while it is sent, each new sample
/// brings the ring within its capacity, samples leave oldest first, and every sample added is accounted for exactly once: delivered,
/// pushed out (and reported), expired, or still there.
/// </summary>
public sealed class SampleBacklogInterleavingTests
{
    private const int Seeds = 300;
    private const int Steps = 400;
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // Capacities 12, 5, 3 and 2: reloads that grow and shrink the ring while samples wait.
    private static readonly TimeSpan[] _intervals = [TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5)];

    [Fact]
    public void Generated_interleavings_of_adds_sends_expiry_and_reloads_keep_the_sample_in_flight_and_account_for_every_sample()
    {
        for (var seed = 1; seed <= Seeds; seed++)
        {
            try
            {
                Run(seed);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"Seed {seed} failed (replay: Run({seed})): {ex.Message}", ex);
            }
        }
    }

    [Fact]
    public void A_sampler_thread_adding_while_a_delivery_thread_sends_never_changes_the_sample_in_flight()
    {
        // Real threads, released together: the sampler adds as fast as it can while delivery begins, re-reads and ends
        // sends of the head. A slot reused under the send would show as a sample whose fields disagree or change.
        const int Adds = 20_000;
        var backlog = new SampleBacklog(TimeSpan.FromMinutes(2));
        using var start = new Barrier(2);
        var done = 0;
        var delivered = 0L;
        var evicted = 0L;
        string? broken = null;
        var sampler = new Thread(() =>
        {
            start.SignalAndWait();
            for (var id = 1; id <= Adds; id++)
            {
                evicted += backlog.Add(T0.AddSeconds(id), TimeSpan.FromSeconds(id), Fill, (double)id).Count;
            }

            Volatile.Write(ref done, 1);
        });
        var delivery = new Thread(() =>
        {
            var random = new Random(7);
            start.SignalAndWait();
            var last = 0d;
            while (Volatile.Read(ref done) == 0 || backlog.Count > 0)
            {
                if (!backlog.TryBeginSend(out var sample))
                {
                    continue;
                }

                var id = sample.Counters[0];
                for (var look = 0; look < 20; look++)
                {
                    if (!Consistent(sample, id) || id <= last)
                    {
                        broken ??= $"sample {id} changed or came out of order while in flight (last delivered {last})";
                    }

                    Thread.Yield();
                }

                var remove = random.Next(4) != 0;
                backlog.EndSend(remove);
                if (remove)
                {
                    last = id;
                    delivered++;
                }
            }
        });
        sampler.Start();
        delivery.Start();
        sampler.Join();
        delivery.Join();

        Assert.Null(broken);
        Assert.Equal(Adds, delivered + evicted);
    }

    private static void Run(int seed)
    {
        var random = new Random(seed);
        var backlog = new SampleBacklog(_intervals[random.Next(_intervals.Length)]);
        var present = new List<int>();
        var nextId = 1;
        int? inFlight = null;
        Sample? inFlightSample = null;
        var (delivered, evicted, expired) = (0, 0, 0);
        var lastDelivered = 0;

        for (var step = 0; step < Steps; step++)
        {
            switch (random.Next(10))
            {
                case < 4:
                    var id = nextId++;
                    var (pushedOut, first, last) = backlog.Add(T0.AddSeconds(id), TimeSpan.FromSeconds(id), Fill, (double)id);

                    // The oldest samples not in flight make room, as many as needed, and all of them are reported.
                    var idle = present.Where(p => p != inFlight).ToList();
                    var room = Math.Max(0, present.Count - backlog.Capacity - (inFlight is null ? 0 : 1) + 1);
                    Assert.Equal(room, pushedOut);
                    if (pushedOut > 0)
                    {
                        Assert.Equal((T0.AddSeconds(idle[0]), T0.AddSeconds(idle[pushedOut - 1])), (first, last));
                        _ = present.RemoveAll(idle.Take(pushedOut).Contains);
                    }

                    present.Add(id);
                    evicted += pushedOut;

                    // A reload may shrink the ring below what it holds; the next sample brings it back within bounds.
                    Assert.True(backlog.Count <= backlog.Capacity + (inFlight is null ? 0 : 1), $"{backlog.Count} samples in a ring of {backlog.Capacity}");

                    break;
                case < 6 when inFlight is null:
                    if (backlog.TryBeginSend(out var head))
                    {
                        inFlight = (int)head.Counters[0];
                        inFlightSample = head;
                        Assert.Equal(present[0], inFlight);
                    }

                    break;
                case < 8 when inFlight is not null:
                    var remove = random.Next(3) != 0;
                    backlog.EndSend(remove);
                    if (remove)
                    {
                        Assert.True(inFlight > lastDelivered, $"sample {inFlight} delivered after {lastDelivered}");
                        lastDelivered = inFlight.Value;
                        _ = present.Remove(inFlight.Value);
                        delivered++;
                    }

                    (inFlight, inFlightSample) = (null, null);
                    break;
                case 8:
                    var cutoff = TimeSpan.FromSeconds(nextId - random.Next(1, 12));
                    var count = 0;
                    DateTimeOffset from = default, to = default;
                    while (backlog.TryPeekOldest(out var oldest) && oldest.TakenAt < cutoff && backlog.DropOldest() is { } at)
                    {
                        (from, to) = (count++ == 0 ? at : from, at);
                    }

                    var dropped = present.TakeWhile(p => p != inFlight && TimeSpan.FromSeconds(p) < cutoff).ToList();
                    Assert.Equal(dropped.Count, count);
                    if (count > 0)
                    {
                        Assert.Equal((T0.AddSeconds(dropped[0]), T0.AddSeconds(dropped[^1])), (from, to));
                    }

                    present.RemoveRange(0, count);
                    expired += count;
                    break;
                default:
                    backlog.Resize(_intervals[random.Next(_intervals.Length)]);
                    break;
            }

            Assert.Equal(present.Count, backlog.Count);
            if (inFlight is { } sent)
            {
                Assert.True(Consistent(inFlightSample!, sent), $"sample {sent} was changed while in flight");
                Assert.True(backlog.TryPeekInFlight(out var peeked));
                Assert.Same(inFlightSample, peeked);
            }
        }

        Assert.Equal(nextId - 1, delivered + evicted + expired + backlog.Clear().Count);
    }

    private static void Fill(Sample sample, double id)
    {
        sample.Counters[0] = id;
        sample.Counters[1] = id;
        sample.Gauges[0] = id;
    }

    private static bool Consistent(Sample sample, double id) =>
        sample.Counters[0] == id && sample.Counters[1] == id && sample.Gauges[0] == id
        && sample.TakenAt == TimeSpan.FromSeconds(id) && sample.MeasuredAt == T0.AddSeconds(id);
}
