using System.Text;
using System.Text.RegularExpressions;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>
/// Compares a quote from the docs with text the library produces, where both sides may leave parts open: the quote's
/// <c>…</c> or <c>...</c> (text the doc elides) and a template's <c>{Placeholder}</c> (text filled in at run time).
/// </summary>
/// <remarks>
/// Two patterns agree when some text matches both, over the whole text: a quote that gives only the start of a message
/// must end in <c>…</c>. Runs of whitespace count as one space. A placeholder stands for one word (a URL, a number, a
/// time, a key) unless it holds free text (<see cref="FreeText"/>): otherwise <c>{Dyno}</c> followed by a quote's
/// <c>…</c> would read as any sentence that starts like the template.
/// </remarks>
internal static partial class Wildcards
{
    private const char Any = '\0';
    private const char Word = '\u0001';

    // The placeholders of Log.cs whose values are sentences: failure reasons, scrubbed exceptions, where an error was
    // met, the unknown key's suggestion, the list of changed settings.
    private static readonly HashSet<string> FreeText = new(StringComparer.Ordinal) { "Reason", "Error", "Where", "Suggestion", "Changes" };

    /// <summary>A quote from the docs as a pattern: <c>…</c> and <c>...</c> stand for any text.</summary>
    public static string FromQuote(string quote) =>
        Normalize(quote.Replace("…", Any.ToString(), StringComparison.Ordinal).Replace("...", Any.ToString(), StringComparison.Ordinal));

    /// <summary>A <c>[LoggerMessage]</c> template as a pattern: each <c>{Placeholder}</c> stands for any text.</summary>
    public static string FromTemplate(string template) =>
        Normalize(Placeholder().Replace(template, m => (FreeText.Contains(m.Value[1..^1]) ? Any : Word).ToString()));

    /// <summary>Produced text as a pattern: nothing open.</summary>
    public static string Exact(string text) => Normalize(text.Replace(Any, ' ').Replace(Word, ' '));

    /// <summary>Whether some text matches both patterns.</summary>
    public static bool Agree(string a, string b)
    {
        var memo = new bool?[a.Length + 1, b.Length + 1];
        return Match(0, 0);

        bool Match(int i, int j)
        {
            if (memo[i, j] is { } known)
            {
                return known;
            }

            bool result;
            if (i == a.Length && j == b.Length)
            {
                result = true;
            }
            else if (i < a.Length && a[i] is Any or Word)
            {
                // a's open part is empty here, or takes b's next character (or b's own open part) too; a word takes no space.
                result = Match(i + 1, j) || (j < b.Length && (a[i] == Any || b[j] != ' ') && Match(i, j + 1));
            }
            else if (j < b.Length && b[j] is Any or Word)
            {
                result = Match(i, j + 1) || (i < a.Length && (b[j] == Any || a[i] != ' ') && Match(i + 1, j));
            }
            else
            {
                result = i < a.Length && j < b.Length && a[i] == b[j] && Match(i + 1, j + 1);
            }

            memo[i, j] = result;
            return result;
        }
    }

    /// <summary>A pattern as a reader would write it, for failure messages.</summary>
    public static string Show(string pattern) => pattern.Replace(Any, '…').Replace(Word, '…');

    private static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                _ = builder.Append(' ');
                space = false;
            }

            _ = builder.Append(c);
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"\{[A-Za-z][A-Za-z0-9]*\}")]
    private static partial Regex Placeholder();
}
