using System.Diagnostics.Metrics;
using HMetrics.Hosting.Tests.Chaos.Generation;

namespace HMetrics.Hosting.Tests.Chaos.Hostile;

/// <summary>
/// An app's MeterListener on the library's meter, live for one run: it records every measurement's tags (exported
/// telemetry must hold no secret) and, when the plan says so, throws from its callbacks, which run inline in the
/// library's <c>Counter.Add</c> and instrument creation.
/// </summary>
internal sealed class ChaosMeterListener : IDisposable
{
    private const string MeterName = "HMetrics.Hosting";

    private readonly MeterListener _listener = new();
    private readonly MeterPlan? _plan;
    private readonly List<string> _exported = [];
    private long _measurements;

    public ChaosMeterListener(MeterPlan? plan)
    {
        _plan = plan;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != MeterName)
            {
                return;
            }

            listener.EnableMeasurementEvents(instrument);
            if (_plan?.ThrowOnPublish == true)
            {
                throw new InvalidOperationException("a bug in the app's telemetry: InstrumentPublished " + instrument.Name);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => OnMeasurement(instrument, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => OnMeasurement(instrument, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, _, tags, _) => OnMeasurement(instrument, tags));
        try
        {
            _listener.Start();
        }
        catch (InvalidOperationException)
        {
            // Its own throwing callback, for an instrument that already existed: the app's bug, at the app's call.
        }
    }

    /// <summary>Gets every measurement's instrument and tags, as an exporter would see them.</summary>
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

    private void OnMeasurement(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = instrument.Name;
        foreach (var tag in tags)
        {
            text += $" {tag.Key}={tag.Value}";
        }

        lock (_exported)
        {
            _exported.Add(text);
        }

        var number = Interlocked.Increment(ref _measurements) - 1;
        if (_plan is { } plan && plan.ThrowingInstruments.Contains(instrument.Name) && plan.Cadence.Hits(number))
        {
            throw new InvalidOperationException("a bug in the app's telemetry: measurement of " + instrument.Name);
        }
    }
}
