using System.Text;
using System.Text.RegularExpressions;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>
/// One Markdown file of the documentation, read as a user reads it: inline code spans, fenced blocks (and the log
/// entries quoted in them) and tables.
/// </summary>
/// <remarks>
/// Enough of CommonMark for the repository's own files: fences of backticks or tildes (indented in list items too),
/// inline code spans of any backtick count that may run over line breaks within a paragraph, and pipe tables.
/// </remarks>
internal sealed partial class DocsFile
{
    private DocsFile(string name, string text)
    {
        Name = name;
        Lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
    }

    /// <summary>Gets the repository root: the folder that holds <c>HMetrics.Hosting.sln</c>.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Gets every file the quote check reads: <c>README.md</c>, <c>docs/*.md</c> and the package's <c>src/PACKAGE.md</c>.</summary>
    public static IReadOnlyList<DocsFile> All { get; } = Load();

    /// <summary>Gets the path relative to the repository root, with forward slashes.</summary>
    public string Name { get; }

    public IReadOnlyList<string> Lines { get; }

    public static DocsFile FromText(string name, string text) => new(name, text);

    /// <summary>Every inline code span outside fenced blocks, with the paragraph (or list) it belongs to.</summary>
    public IEnumerable<DocSpan> CodeSpans()
    {
        foreach (var (start, lines) in Blocks())
        {
            var block = string.Join('\n', lines);
            var i = 0;
            while (i < block.Length)
            {
                if (block[i] != '`')
                {
                    i++;
                    continue;
                }

                var ticks = Run(block, i);
                var close = FindClosing(block, i + ticks, ticks);
                if (close < 0)
                {
                    i += ticks;
                    continue;
                }

                var content = block[(i + ticks)..close].Replace('\n', ' ');
                if (content.Length >= 2 && content[0] == ' ' && content[^1] == ' ' && content.Trim().Length > 0)
                {
                    content = content[1..^1];
                }

                var line = start + block[..i].Count(static c => c == '\n');
                yield return new DocSpan(Name, line, content, block);
                i = close + ticks;
            }
        }
    }

    /// <summary>Every line of every fenced block.</summary>
    public IEnumerable<DocSpan> FencedLines()
    {
        foreach (var (start, lines) in Fences())
        {
            var block = string.Join('\n', lines);
            for (var i = 0; i < lines.Count; i++)
            {
                yield return new DocSpan(Name, start + i, lines[i], block);
            }
        }
    }

    /// <summary>
    /// Every log entry of the library quoted in a fenced block in the console format: a header line
    /// <c>info: HMetrics.Hosting[4]</c>, and the message on the next line. Whatever stands before the header
    /// (<c>heroku logs</c>' time and dyno) is removed from the message line too when that line starts with it.
    /// </summary>
    public IEnumerable<DocLogEntry> LogEntries()
    {
        foreach (var (start, lines) in Fences())
        {
            for (var i = 0; i + 1 < lines.Count; i++)
            {
                var header = LogHeader().Match(lines[i]);
                if (!header.Success)
                {
                    continue;
                }

                var prefix = header.Groups["prefix"].Value;
                var message = lines[i + 1];
                if (prefix.Length > 0 && message.StartsWith(prefix, StringComparison.Ordinal))
                {
                    message = message[prefix.Length..];
                }

                yield return new DocLogEntry(
                    Name,
                    start + i,
                    header.Groups["level"].Value,
                    int.Parse(header.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture),
                    message.Trim());
            }
        }
    }

    /// <summary>The line numbers (1-based) of the message lines <see cref="LogEntries"/> reads.</summary>
    public ISet<int> LogMessageLines() => LogEntries().Select(static e => e.Line + 1).ToHashSet();

    /// <summary>Every pipe table outside fenced blocks.</summary>
    public IEnumerable<DocTable> Tables()
    {
        foreach (var (start, lines) in Blocks())
        {
            for (var i = 0; i + 1 < lines.Count; i++)
            {
                if (!lines[i].TrimStart().StartsWith('|') || !TableRule().IsMatch(lines[i + 1]))
                {
                    continue;
                }

                var header = Cells(lines[i]);
                var rows = new List<(int, IReadOnlyList<string>)>();
                var j = i + 2;
                for (; j < lines.Count && lines[j].TrimStart().StartsWith('|'); j++)
                {
                    rows.Add((start + j, Cells(lines[j])));
                }

                yield return new DocTable(Name, start + i, header, rows);
                i = j - 1;
            }
        }
    }

    /// <summary>The inline code spans of a table cell.</summary>
    public static IEnumerable<string> SpansOf(string cell) =>
        FromText("cell", cell).CodeSpans().Select(static s => s.Text);

    private static IReadOnlyList<string> Cells(string row)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var inCode = false;
        var text = row.Trim();
        if (text.StartsWith('|'))
        {
            text = text[1..];
        }

        foreach (var c in text)
        {
            if (c == '`')
            {
                inCode = !inCode;
            }

            if (c == '|' && !inCode)
            {
                cells.Add(cell.ToString().Trim());
                _ = cell.Clear();
                continue;
            }

            _ = cell.Append(c);
        }

        if (cell.ToString().Trim().Length > 0)
        {
            cells.Add(cell.ToString().Trim());
        }

        return cells;
    }

    // Paragraphs, lists and tables: runs of non-blank lines outside fences. Start is the 1-based line of the first.
    private IEnumerable<(int Start, List<string> Lines)> Blocks()
    {
        var current = new List<string>();
        var start = 0;
        foreach (var (line, number, fenced) in Classified())
        {
            if (fenced || string.IsNullOrWhiteSpace(line))
            {
                if (current.Count > 0)
                {
                    yield return (start, current);
                    current = [];
                }

                continue;
            }

            if (current.Count == 0)
            {
                start = number;
            }

            current.Add(line);
        }

        if (current.Count > 0)
        {
            yield return (start, current);
        }
    }

    // The content lines of each fenced block. Start is the 1-based line of the first content line.
    private IEnumerable<(int Start, List<string> Lines)> Fences()
    {
        List<string>? current = null;
        var start = 0;
        foreach (var (line, number, fenced) in Classified())
        {
            if (fenced && !IsFence(line))
            {
                if (current is null)
                {
                    current = [];
                    start = number;
                }

                current.Add(line);
            }
            else if (current is not null)
            {
                yield return (start, current);
                current = null;
            }
        }

        if (current is not null)
        {
            yield return (start, current);
        }
    }

    // Each line with its number and whether it belongs to a fenced block (the fence lines included).
    private IEnumerable<(string Line, int Number, bool Fenced)> Classified()
    {
        string? fence = null;
        for (var i = 0; i < Lines.Count; i++)
        {
            var line = Lines[i];
            var trimmed = line.TrimStart();
            if (fence is null)
            {
                if (IsFence(line))
                {
                    var marker = trimmed[0];
                    fence = new string(marker, Run(trimmed, 0));
                    yield return (line, i + 1, true);
                    continue;
                }

                yield return (line, i + 1, false);
                continue;
            }

            yield return (line, i + 1, true);
            if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.Trim().Trim(fence[0]).Length == 0)
            {
                fence = null;
            }
        }
    }

    private static bool IsFence(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal);
    }

    private static int Run(string text, int at)
    {
        var n = 0;
        while (at + n < text.Length && text[at + n] == text[at])
        {
            n++;
        }

        return n;
    }

    // The start of the next backtick run of exactly `ticks` backticks, or -1.
    private static int FindClosing(string text, int from, int ticks)
    {
        var i = from;
        while (i < text.Length)
        {
            if (text[i] != '`')
            {
                i++;
                continue;
            }

            var run = Run(text, i);
            if (run == ticks)
            {
                return i;
            }

            i += run;
        }

        return -1;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HMetrics.Hosting.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (HMetrics.Hosting.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static List<DocsFile> Load()
    {
        var paths = new List<string> { Path.Combine(RepositoryRoot, "README.md"), Path.Combine(RepositoryRoot, "src", "PACKAGE.md") };
        paths.AddRange(Directory.GetFiles(Path.Combine(RepositoryRoot, "docs"), "*.md").Order(StringComparer.Ordinal));
        return paths
            .Select(p => new DocsFile(Path.GetRelativePath(RepositoryRoot, p).Replace('\\', '/'), File.ReadAllText(p)))
            .ToList();
    }

    [GeneratedRegex(@"^(?<prefix>.*?)(?<level>trce|dbug|info|warn|fail|crit): HMetrics\.Hosting\[(?<id>\d+)\]\s*$")]
    private static partial Regex LogHeader();

    [GeneratedRegex(@"^\s*\|?\s*:?-{3,}")]
    private static partial Regex TableRule();
}
