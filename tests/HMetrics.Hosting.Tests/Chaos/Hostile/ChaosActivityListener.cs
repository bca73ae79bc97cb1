using System.Diagnostics;
using HMetrics.Hosting.Tests.Chaos.Generation;

namespace HMetrics.Hosting.Tests.Chaos.Hostile;

/// <summary>
/// An app's ActivityListener on every source but the test server's, live for one run: records every activity (exported
/// traces must hold no secret) and throws from one callback when the plan says so.
/// </summary>
/// <remarks>
/// The test server's own sources (<c>Microsoft.AspNetCore</c>) are not listened to: breaking them breaks the endpoint, not
/// the library. The runtime's connection-level sources (<c>Experimental.System.Net.*</c>: sockets, name resolution,
/// connection setup) are recorded but never thrown from: their callbacks run on the runtime's I/O threads, where a throw
/// ends any app, with or without the library, and no library can catch it.
/// </remarks>
internal sealed class ChaosActivityListener : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ActivityPlan? _plan;
    private readonly List<string> _exported = [];
    private long _calls;

    public ChaosActivityListener(ActivityPlan? plan)
    {
        _plan = plan;
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => !source.Name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
            {
                Misbehave(ActivityCallback.Sample, options.Source);
                return ActivitySamplingResult.AllDataAndRecorded;
            },
            ActivityStarted = activity =>
            {
                Record(activity);
                Misbehave(ActivityCallback.ActivityStarted, activity.Source);
            },
            ActivityStopped = activity =>
            {
                Record(activity);
                Misbehave(ActivityCallback.ActivityStopped, activity.Source);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Gets every activity seen: source, name, tags and status, as an exporter would see them.</summary>
    public IReadOnlyList<string> Exported
    {
        get
        {
            lock (_exported)
            {
                return [.. _exported];
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Activity activity)
    {
        var text = $"{activity.Source.Name} {activity.DisplayName} {activity.OperationName} {activity.StatusDescription} " +
            string.Join(' ', activity.TagObjects.Select(t => $"{t.Key}={t.Value}")) + " " +
            string.Join(' ', activity.Events.Select(e => e.Name + " " + string.Join(' ', e.Tags.Select(t => $"{t.Key}={t.Value}"))));
        lock (_exported)
        {
            _exported.Add(text);
        }
    }

    private void Misbehave(ActivityCallback callback, ActivitySource source)
    {
        if (_plan is { } plan && plan.Throws == callback
            && !source.Name.StartsWith("Experimental.System.Net", StringComparison.Ordinal)
            && plan.Cadence.Hits(Interlocked.Increment(ref _calls) - 1))
        {
            throw new InvalidOperationException("a bug in the app's tracing: " + callback);
        }
    }
}
