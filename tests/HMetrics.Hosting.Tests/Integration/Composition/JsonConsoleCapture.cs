using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace HMetrics.Hosting.Tests.Integration.Composition;

/// <summary>
/// What <c>AddJsonConsole(o =&gt; o.IncludeScopes = true)</c> would print, written by the real JSON console formatter
/// into memory instead of the process's console.
/// </summary>
internal sealed class JsonConsoleCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly Func<ConsoleFormatter> _formatter;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public JsonConsoleCapture(Func<ConsoleFormatter> formatter) => _formatter = formatter;

    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(JsonConsoleCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var writer = new StringWriter();
            owner._formatter().Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), owner._scopes, writer);
            owner.Lines.Enqueue(writer.ToString());
        }
    }
}
