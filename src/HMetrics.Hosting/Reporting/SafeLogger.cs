using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Reporting;

/// <summary>
/// The library's only logger: a provider that throws (a full disk, a broken sink) loses the line, never the reporting.
/// </summary>
/// <remarks>
/// Every log call of the library goes through this one wrapper, so no path — start, retry callback, reload callback,
/// flush — can be stopped or crash the host because logging failed.
/// </remarks>
internal sealed class SafeLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return inner.BeginScope(state);
        }
        catch (Exception)
        {
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            // Nowhere safe to report it: logging is what failed.
        }
    }
}
