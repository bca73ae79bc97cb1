namespace HMetrics.Hosting.Tests.Docs;

/// <summary>
/// A log entry quoted in a fenced block in the console logger's format: a header line <c>warn: HMetrics.Hosting[6]</c>
/// and the message on the next line.
/// </summary>
internal sealed record DocLogEntry(string File, int Line, string Level, int EventId, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Level}: HMetrics.Hosting[{EventId}] `{Message}`";
}
