using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Chaos.Hostile;

/// <summary>A logger of <see cref="ChaosLoggerProvider"/>: every call may throw or be slow; it writes nothing.</summary>
internal sealed class ChaosLogger(ChaosLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        provider.OnBeginScope();
        return null;
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        provider.OnIsEnabled();
        return true;
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        provider.OnLog(eventId);
}
