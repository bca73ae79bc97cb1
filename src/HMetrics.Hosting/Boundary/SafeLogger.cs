using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HMetrics.Hosting.Boundary;

/// <summary>
/// The library's only logger: a provider that throws (a full disk, a broken sink) loses the line, never the reporting.
/// </summary>
/// <remarks>
/// Every log method of <see cref="Log"/> takes this type, not <see cref="ILogger"/>, so a raw logger cannot be written
/// to by mistake: the compiler refuses it. Made by <see cref="Guard.CreateLogger"/>.
/// </remarks>
internal sealed class SafeLogger(ILogger inner) : ILogger
{
    /// <summary>Gets a logger that writes nothing, for parts that run before or without a logger factory.</summary>
    /// <remarks>A new one each time: the library keeps no static state but the process-wide counter ledger.</remarks>
    public static SafeLogger None => new(NullLogger.Instance);

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
