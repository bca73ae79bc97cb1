using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Harness;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HMetrics.Hosting.Tests.Chaos.Hostile;

/// <summary>A logging provider that throws or is slow for some categories and some calls, as the scenario's plan says.</summary>
/// <remarks>Categories the plan does not cover (the host's own) get a logger that does nothing, so only the library is tested.</remarks>
internal sealed class ChaosLoggerProvider(LoggingPlan plan, ThreadHolds holds) : ILoggerProvider
{
    private int _holding;
    private long _createLogger;
    private long _isEnabled;
    private long _log;
    private long _beginScope;

    public LoggingPlan Plan => plan;

    /// <summary>Gets whether a library thread is blocked in this provider, waiting for fake time.</summary>
    public bool Holding => Volatile.Read(ref _holding) > 0;

    public ILogger CreateLogger(string categoryName)
    {
        if (!plan.Covers(categoryName))
        {
            return NullLogger.Instance;
        }

        Misbehave(plan.CreateLogger, ref _createLogger, "CreateLogger");
        return new ChaosLogger(this);
    }

    public void Dispose()
    {
    }

    internal void OnIsEnabled() => Misbehave(plan.IsEnabled, ref _isEnabled, "IsEnabled");

    internal void OnLog(EventId eventId)
    {
        Misbehave(plan.Log, ref _log, "Log");
        if (plan.HoldStarted > TimeSpan.Zero && eventId.Name == "Started")
        {
            _ = Interlocked.Increment(ref _holding);
            try
            {
                holds.Hold(plan.HoldStarted);
            }
            finally
            {
                _ = Interlocked.Decrement(ref _holding);
            }
        }
    }

    internal void OnBeginScope() => Misbehave(plan.BeginScope, ref _beginScope, "BeginScope");

    private static void Misbehave(CallFault fault, ref long calls, string call)
    {
        var number = Interlocked.Increment(ref calls) - 1;
        if (!fault.Hits(number))
        {
            return;
        }

        if (fault.Kind == FaultKind.Throw)
        {
            throw new IOException($"No space left on device ({call})");
        }

        // Slow without sleeping: a sink that takes its time on the caller's thread.
        Thread.SpinWait(20_000);
    }
}
