using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// A logging provider that throws on every record of the library's category, as a provider writing to a full disk
/// would; the host's other categories log normally. The test's fake collector still records each line.
/// </summary>
internal sealed class FullDiskLoggerProvider : ILoggerProvider
{
    private int _thrown;

    public int Thrown => Volatile.Read(ref _thrown);

    public ILogger CreateLogger(string categoryName) =>
        categoryName == "HMetrics.Hosting" ? new FullDiskLogger(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class FullDiskLogger(FullDiskLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _ = Interlocked.Increment(ref owner._thrown);
            throw new IOException("No space left on device");
        }
    }
}
