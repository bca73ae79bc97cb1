namespace HMetrics.Hosting.Tests.Docs;

/// <summary>A piece of text quoted in a Markdown file: an inline code span, or one line of a fenced block.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Line">The 1-based line the quote starts on.</param>
/// <param name="Text">The quote, line breaks of an inline span turned into spaces.</param>
/// <param name="Block">The paragraph or list the quote sits in (for inline spans), or the fenced block.</param>
internal sealed record DocSpan(string File, int Line, string Text, string Block)
{
    public override string ToString() => $"{File}:{Line}: `{Text}`";
}
