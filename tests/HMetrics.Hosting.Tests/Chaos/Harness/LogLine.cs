using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>One captured log record, as plain text: what an app's log sink would have written.</summary>
internal sealed record LogLine(LogLevel Level, string Category, string? EventName, string Message, string? Exception, IReadOnlyList<string> State)
{
    public bool IsLibrary => Category == "HMetrics.Hosting";

    public IEnumerable<string> Texts() => new[] { Message, Exception ?? string.Empty }.Concat(State);
}
