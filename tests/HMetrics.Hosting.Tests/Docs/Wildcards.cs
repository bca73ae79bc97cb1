using System.Text;
using System.Text.RegularExpressions;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>
/// Compares a quote from the docs with text the library produces, where both sides may leave parts open: the quote's
/// <c>…</c> or <c>...</c> (text the doc elides) and a template's <c>{Placeholder}</c> (text filled in at run time).
/// </summary>
/// <remarks>
/// Two patterns agree when some text matches both, over the whole text: a quote that gives only the start of a message
/// must end in <c>…</c>. Runs of whitespace count as one space.
/// </remarks>
internal static partial class Wildcards
{
    private const char Any = '\0';

    /// <summary>A quote from the docs as a pattern: <c>…</c> and <c>...</c> stand for any text.</summary>
    public static string FromQuote(string quote) =>
        Normalize(quote.Replace("…", Any.ToString(), StringComparison.Ordinal).Replace("...", Any.ToString(), StringComparison.Ordinal));

    /// <summary>A <c>[LoggerMessage]</c> template as a pattern: each <c>{Placeholder}</c> stands for any text.</summary>
    public static string FromTemplate(string template) => Normalize(Placeholder().Replace(template, Any.ToString()));

    /// <summary>Produced text as a pattern: nothing open.</summary>
    public static string Exact(string text) => Normalize(text.Replace(Any, ' '));

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
            else if (i < a.Length && a[i] == Any)
            {
                // a's open part is empty here, or takes b's next character (or b's own open part) too.
                result = Match(i + 1, j) || (j < b.Length && Match(i, j + 1));
            }
            else if (j < b.Length && b[j] == Any)
            {
                result = Match(i, j + 1) || (i < a.Length && Match(i + 1, j));
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
    public static string Show(string pattern) => pattern.Replace(Any, '…');

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
