using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>
/// Issue 21, "Docs that cannot drift": every log line, validation message and option default quoted in <c>README.md</c>,
/// <c>docs/*.md</c> and <c>src/PACKAGE.md</c> is compared with what the code produces, so a change to a message fails
/// here, naming the file, the line and the quote, until the docs follow.
/// </summary>
/// <remarks>
/// The convention the docs follow (docs/development.md, "Quoting the library in the docs"):
/// <list type="bullet">
/// <item>Log entries in fenced blocks in the console format (<c>warn: HMetrics.Hosting[6]</c>, the message on the next
/// line): the event id exists, the level is the event's, the message reads as its template.</item>
/// <item>Any other code span or fenced line holding the first words of a message (<see cref="LibraryLogEvent.Signature"/>)
/// is a quote of it, and must read as a template of the library. <c>…</c> or <c>...</c> marks text left out.</item>
/// <item>A validation message (<c>HerokuMetrics:X must …</c>, <c>HEROKU_METRICS_URL must …</c>) is produced by start-up
/// validation from the bad value the doc gives: its own <c>got …</c>, or a <c>HerokuMetrics__X=value</c> in the same
/// paragraph or block. The configuration binder's message for text it cannot convert (<c>Failed to convert configuration
/// value 'abc' at 'HerokuMetrics:X' …</c>) quotes its value itself.</item>
/// <item>The <c>default</c> column of a table with an <c>option</c> column is the default of that option.</item>
/// <item>A table with <c>id</c>, <c>name</c> and <c>level</c> columns lists every event with its id, name and level.</item>
/// </list>
/// </remarks>
public sealed partial class DocQuoteTests
{
    [Fact]
    public void Every_log_entry_quoted_in_a_fenced_block_is_an_event_the_library_logs_at_that_level_in_that_wording()
    {
        var entries = DocsFile.All.SelectMany(static f => f.LogEntries()).ToList();
        Assert.NotEmpty(entries);

        var failures = new List<string>();
        foreach (var entry in entries)
        {
            var known = LibraryLogEvent.All.SingleOrDefault(e => e.Id == entry.EventId);
            if (known is null)
            {
                failures.Add($"{entry}: the library has no event {entry.EventId}.");
                continue;
            }

            if (known.Level is { } level && LibraryLogEvent.ConsoleName(level) != entry.Level)
            {
                failures.Add($"{entry}: event {known.Id} ({known.Name}) is logged at {LibraryLogEvent.ConsoleName(level)}, not {entry.Level}.");
            }

            if (!Wildcards.Agree(Wildcards.FromQuote(entry.Message), Wildcards.FromTemplate(known.Template)))
            {
                failures.Add($"{entry}: is not how event {known.Id} ({known.Name}) reads: `{known.Template}`.");
            }
        }

        AssertNone(failures);
    }

    [Fact]
    public void Every_other_quote_of_a_log_message_reads_as_a_message_the_library_logs()
    {
        var quotes = new List<DocSpan>();
        foreach (var file in DocsFile.All)
        {
            var messageLines = file.LogMessageLines();
            quotes.AddRange(file.CodeSpans()
                .Concat(file.FencedLines().Where(l => !messageLines.Contains(l.Line)))
                .Where(static s => LibraryLogEvent.All.Any(e => s.Text.Contains(e.Signature, StringComparison.Ordinal))));
        }

        Assert.NotEmpty(quotes);
        var failures = quotes
            .Where(static q => !LibraryLogEvent.All.Any(e => ReadsAs(q.Text, e.Template)))
            .Select(static q => $"{q}: reads as no message of the library. Nearest: `{Nearest(q.Text).Template}` ({Nearest(q.Text).Name}).")
            .ToList();
        AssertNone(failures);
    }

    [Fact]
    public void Every_validation_message_quoted_is_what_start_up_validation_says_for_the_value_the_doc_gives()
    {
        var quotes = DocsFile.All
            .SelectMany(static f => f.CodeSpans().Concat(f.FencedLines()))
            .Select(static s => (Span: s, Match: ValidationQuote().Match(s.Text)))
            .Where(static q => q.Match.Success)
            .ToList();
        Assert.NotEmpty(quotes);

        var failures = new List<string>();
        foreach (var (span, match) in quotes)
        {
            var quote = span.Text[match.Index..];
            var option = match.Groups["option"].Success ? match.Groups["option"].Value : nameof(HerokuMetricsOptions.Endpoint);
            var key = match.Groups["option"].Success
                ? HerokuMetricsOptions.SectionName + ":" + option
                : HerokuMetricsOptions.EndpointEnvironmentVariable;
            if (BadValue(quote, span.Block, option, key) is not { } value)
            {
                failures.Add($"{span}: says not which value produces it. Quote it with its `got …`, or write `HerokuMetrics__{option}=<value>` in the same paragraph.");
                continue;
            }

            var produced = ValidatorOutput.For(key, value);
            if (!produced.Any(p => Wildcards.Agree(Wildcards.FromQuote(quote), Wildcards.Exact(p))))
            {
                failures.Add(produced.Count == 0
                    ? $"{span}: {key}={value} passes validation."
                    : $"{span}: for {key}={value} start-up validation says `{string.Join("` and `", produced)}`.");
            }
        }

        AssertNone(failures);
    }

    [Fact]
    public void Every_default_in_an_options_table_is_the_default_the_code_has()
    {
        var tables = DocsFile.All.SelectMany(static f => f.Tables())
            .Where(static t => t.Column("option") >= 0 && t.Column("default") >= 0)
            .ToList();
        Assert.NotEmpty(tables);

        var failures = new List<string>();
        var checkedRows = 0;
        foreach (var table in tables)
        {
            var optionColumn = table.Column("option");
            var defaultColumn = table.Column("default");
            foreach (var (line, cells) in table.Rows)
            {
                var at = $"{table.File}:{line}";
                if (cells.Count <= Math.Max(optionColumn, defaultColumn) || DocsFile.SpansOf(cells[optionColumn]).FirstOrDefault() is not { } name)
                {
                    failures.Add($"{at}: a row of an options table without an option in backticks and a default.");
                    continue;
                }

                checkedRows++;
                if (CheckDefault(name, cells[defaultColumn]) is { } problem)
                {
                    failures.Add($"{at}: `{name}` | {cells[defaultColumn]} |: {problem}");
                }
            }
        }

        Assert.True(checkedRows >= 5, $"Only {checkedRows} option rows were found: the tables' shape changed, or the check reads nothing.");
        AssertNone(failures);
    }

    [Fact]
    public void The_event_table_lists_every_event_the_library_logs_with_its_id_name_and_level()
    {
        var tables = DocsFile.All.SelectMany(static f => f.Tables())
            .Where(static t => t.Column("id") >= 0 && t.Column("name") >= 0 && t.Column("level") >= 0)
            .ToList();
        Assert.NotEmpty(tables);

        var failures = new List<string>();
        var listed = new HashSet<int>();
        foreach (var table in tables)
        {
            foreach (var (line, cells) in table.Rows)
            {
                var at = $"{table.File}:{line}";
                if (!int.TryParse(cells[table.Column("id")], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    || LibraryLogEvent.All.SingleOrDefault(e => e.Id == id) is not { } known)
                {
                    failures.Add($"{at}: `{cells[table.Column("id")]}` is not an event id of the library.");
                    continue;
                }

                _ = listed.Add(id);
                var name = DocsFile.SpansOf(cells[table.Column("name")]).FirstOrDefault();
                if (name != known.Name)
                {
                    failures.Add($"{at}: event {id} is `{known.Name}`, not `{name}`.");
                }

                var level = cells[table.Column("level")];
                if (known.Level is { } fixedLevel && !level.StartsWith(fixedLevel.ToString(), StringComparison.Ordinal))
                {
                    failures.Add($"{at}: event {id} ({known.Name}) is logged at {fixedLevel}, not {level}.");
                }
            }
        }

        failures.AddRange(LibraryLogEvent.All.Where(e => !listed.Contains(e.Id))
            .Select(static e => $"event {e.Id} ({e.Name}) is in no event table of the docs."));
        AssertNone(failures);
    }

    // A quote reads as a template when the whole quote agrees with it, or the quote from where the template's wording
    // starts (a line with something of its own before the message, such as the worker's "configuration is invalid: ").
    private static bool ReadsAs(string quote, string template)
    {
        var pattern = Wildcards.FromTemplate(template);
        if (Wildcards.Agree(Wildcards.FromQuote(quote), pattern))
        {
            return true;
        }

        var lead = template.Split('{')[0];
        var at = lead.Length > 0 ? quote.IndexOf(lead.Trim(), StringComparison.Ordinal) : -1;
        return at > 0 && Wildcards.Agree(Wildcards.FromQuote(quote[at..]), pattern);
    }

    private static LibraryLogEvent Nearest(string quote) =>
        LibraryLogEvent.All.First(e => quote.Contains(e.Signature, StringComparison.Ordinal));

    private static string? BadValue(string quote, string block, string option, string key)
    {
        if (option != nameof(HerokuMetricsOptions.Endpoint))
        {
            // The binder's own message quotes the text it could not convert.
            if (ValidationQuote().Match(quote) is { Success: true } binder && binder.Groups["value"].Success)
            {
                return binder.Groups["value"].Value;
            }

            if (Got().Match(quote) is { Success: true } got)
            {
                return got.Groups["value"].Value.Trim('\'');
            }

            if (Regex.Match(quote, $@"^{Regex.Escape(key)} \((?<value>[^)]*)\)") is { Success: true } parenthesised)
            {
                return parenthesised.Groups["value"].Value;
            }
        }

        var assignment = option == nameof(HerokuMetricsOptions.Endpoint)
            ? $@"(?<![\w:])(?:{Regex.Escape(HerokuMetricsOptions.EndpointEnvironmentVariable)}|HerokuMetrics(?:__|:)Endpoint)=(?<value>[^\s`'""]+)"
            : $@"(?<![\w])(?:HerokuMetrics(?:__|:))?{Regex.Escape(option)}=(?<value>[^\s`'""]+)";
        return Regex.Match(block, assignment) is { Success: true } given ? given.Groups["value"].Value : null;
    }

    private static string? CheckDefault(string name, string cell)
    {
        var owner = new object[] { new HerokuMetricsOptions(), new HerokuMetricsHealthCheckOptions() }
            .FirstOrDefault(o => o.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is not null);
        if (owner is null)
        {
            return "no such option.";
        }

        var value = owner.GetType().GetProperty(name)!.GetValue(owner);
        var spans = DocsFile.SpansOf(cell).ToList();
        if (value is null)
        {
            if (!cell.StartsWith("unset", StringComparison.Ordinal))
            {
                return "the default is unset (null): write \"unset\" first.";
            }

            // What an unset option means, if the cell says: the value the reporter derives, or the variable it reads.
            foreach (var span in spans)
            {
                if (span == HerokuMetricsOptions.EndpointEnvironmentVariable && name == nameof(HerokuMetricsOptions.Endpoint))
                {
                    continue;
                }

                if (!TimeSpan.TryParse(span, CultureInfo.InvariantCulture, out var said))
                {
                    return $"`{span}` is neither a time span nor the variable the option falls back to.";
                }

                var derived = Derived(name);
                if (said != derived)
                {
                    return $"unset, {name} is {derived:c} in force, not {said:c}.";
                }
            }

            return null;
        }

        if (spans.FirstOrDefault() is not { } written)
        {
            return $"the default ({value}) in backticks is missing.";
        }

        return value switch
        {
            TimeSpan span when !TimeSpan.TryParse(written, CultureInfo.InvariantCulture, out var said) || said != span => $"the default is {span:c}.",
            bool flag when written != (flag ? "true" : "false") => $"the default is {(flag ? "true" : "false")}.",
            not TimeSpan and not bool when written != value.ToString() => $"the default is {value}.",
            _ => null,
        };
    }

    // The value in force for an option left unset: what ReporterSettings makes of the defaults.
    private static TimeSpan Derived(string name)
    {
        Assert.True(ReporterSettings.TryCreate(new HerokuMetricsOptions { Endpoint = "https://metrics.example/metrics/docs" }, null, out var settings));
        return typeof(ReporterSettings).GetProperty(name)?.GetValue(settings) is TimeSpan derived
            ? derived
            : throw new InvalidOperationException($"ReporterSettings has no time span named {name}.");
    }

    private static void AssertNone(List<string> failures) =>
        Assert.True(failures.Count == 0, $"{failures.Count} quote(s) in the docs differ from what the code produces:\n" + string.Join('\n', failures));

    // A message of start-up validation: the setting it names, then the rule.
    [GeneratedRegex(@"(?:HerokuMetrics:(?<option>[A-Za-z]+)|HEROKU_METRICS_URL)(?= must | \()|Failed to convert configuration value '(?<value>[^']*)' at 'HerokuMetrics:(?<option>[A-Za-z]+)'")]
    private static partial Regex ValidationQuote();

    [GeneratedRegex(@"got\s+(?<value>'[^']*'|\S+?)[.;]?(?=\s|$)")]
    private static partial Regex Got();
}
