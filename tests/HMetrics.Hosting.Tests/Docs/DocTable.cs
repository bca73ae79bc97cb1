namespace HMetrics.Hosting.Tests.Docs;

/// <summary>A Markdown table: its header cells and its rows, each with the line it is on.</summary>
internal sealed record DocTable(string File, int Line, IReadOnlyList<string> Header, IReadOnlyList<(int Line, IReadOnlyList<string> Cells)> Rows)
{
    /// <summary>The index of the header cell named <paramref name="name"/> (case-insensitive), or -1.</summary>
    public int Column(string name)
    {
        for (var i = 0; i < Header.Count; i++)
        {
            if (string.Equals(Header[i].Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
