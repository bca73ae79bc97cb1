namespace HMetrics.Hosting.Tests.Docs;

public sealed class DocsFileTests
{
    private const string Sample = """
        # Title

        Text with `a span` and a span ``with ` a tick`` and one
        that runs `over a
        line break`.

        ```
        warn: HMetrics.Hosting[6]
              Heroku metrics report to x failed: y. Attempt 1; next try in 00:00:01.
        2026-11-25T12:00:20.000000+00:00 app[web.1]: info: HMetrics.Hosting[4]
        2026-11-25T12:00:20.000000+00:00 app[web.1]:       Heroku metrics started: posting to x every 00:00:20 with the Go schema.
        info: HMetrics.DevSink[0]
              not ours
        ```

        - a list item with `HerokuMetrics__PostInterval=abc`
          and `a second span`

        | option | default |
        |---|---|
        | `PostInterval` | `00:00:20` |
        | `Schema` | `Go` |

        ~~~
        `not a span` in a tilde fence
        ~~~
        """;

    private static readonly DocsFile _file = DocsFile.FromText("sample.md", Sample);

    [Fact]
    public void Code_spans_are_read_outside_fences_with_their_line_and_paragraph()
    {
        var spans = _file.CodeSpans().ToList();
        Assert.Equal(
            ["a span", "with ` a tick", "over a line break", "HerokuMetrics__PostInterval=abc", "a second span", "PostInterval", "00:00:20", "Schema", "Go"],
            spans.Select(static s => s.Text));
        Assert.Equal(4, spans.Single(static s => s.Text == "over a line break").Line);
        Assert.Contains("a second span", spans.Single(static s => s.Text == "HerokuMetrics__PostInterval=abc").Block, StringComparison.Ordinal);
        Assert.DoesNotContain(spans, static s => s.Text == "not a span");
    }

    [Fact]
    public void Log_entries_are_read_from_fences_for_the_library_s_category_only_with_a_heroku_logs_prefix_removed()
    {
        var entries = _file.LogEntries().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(new DocLogEntry("sample.md", 8, "warn", 6, "Heroku metrics report to x failed: y. Attempt 1; next try in 00:00:01."), entries[0]);
        Assert.Equal(new DocLogEntry("sample.md", 10, "info", 4, "Heroku metrics started: posting to x every 00:00:20 with the Go schema."), entries[1]);
        Assert.Equal([9, 11], _file.LogMessageLines().Order());
    }

    [Fact]
    public void Tables_are_read_with_their_header_and_rows()
    {
        var table = Assert.Single(_file.Tables());
        Assert.Equal(0, table.Column("Option"));
        Assert.Equal(1, table.Column("default"));
        Assert.Equal([(21, (IReadOnlyList<string>)["`PostInterval`", "`00:00:20`"]), (22, ["`Schema`", "`Go`"])],
            table.Rows.Select(static r => (r.Line, r.Cells)).ToList(), new RowComparer());
    }

    private sealed class RowComparer : IEqualityComparer<(int Line, IReadOnlyList<string> Cells)>
    {
        public bool Equals((int Line, IReadOnlyList<string> Cells) x, (int Line, IReadOnlyList<string> Cells) y) =>
            x.Line == y.Line && x.Cells.SequenceEqual(y.Cells);

        public int GetHashCode((int Line, IReadOnlyList<string> Cells) obj) => obj.Line;
    }
}
