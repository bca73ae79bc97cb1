using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// Every POST of a run, from the moment the library sends it until it has gone on with the answer; tells the run when
/// everything in flight is waiting for fake time.
/// </summary>
internal sealed class AttemptTracker
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Attempt> _attempts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _senders = new(StringComparer.Ordinal);

    private int _next;

    /// <summary>Pulsed whenever an attempt begins, ends, parks or resumes, or a host's activation changes.</summary>
    public ChangeSignal Changed { get; } = new();

    public IReadOnlyList<Attempt> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _attempts.Values.OrderBy(a => a.SentAt)];
            }
        }
    }

    public Attempt Begin(string host, string? measurementsTime, TimeSpan sentAt, CancellationToken token)
    {
        Attempt attempt;
        lock (_lock)
        {
            attempt = new Attempt(string.Create(CultureInfo.InvariantCulture, $"{host}-{++_next}"), host, measurementsTime, sentAt, token);
            _attempts.Add(attempt.Id, attempt);
            _ = _senders.Add(host);
        }

        Changed.Pulse();
        return attempt;
    }

    /// <summary>Gets whether <paramref name="host"/> has sent anything yet.</summary>
    public bool HasSent(string host)
    {
        lock (_lock)
        {
            return _senders.Contains(host);
        }
    }

    public Attempt? Find(string? id)
    {
        lock (_lock)
        {
            return id is not null && _attempts.TryGetValue(id, out var attempt) ? attempt : null;
        }
    }

    public void Park(Attempt? attempt)
    {
        attempt?.Park();
        Changed.Pulse();
    }

    public void Unpark(Attempt? attempt)
    {
        attempt?.Unpark();
        Changed.Pulse();
    }

    public void End(Attempt attempt)
    {
        lock (_lock)
        {
            attempt.Ended = true;
        }

        Changed.Pulse();
    }

    /// <summary>Gets the attempts still moving in real time (sent, not ended, not held for fake time); empty when quiet.</summary>
    public IReadOnlyList<Attempt> Moving()
    {
        lock (_lock)
        {
            return [.. _attempts.Values.Where(a => !a.Ended && !a.Parked)];
        }
    }
}
