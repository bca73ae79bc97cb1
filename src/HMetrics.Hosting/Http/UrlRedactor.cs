using System.Text;

namespace HMetrics.Hosting.Http;

/// <summary>
/// Gives the form of a metrics URL that may be logged: it identifies the dyno and anyone holding it can write its metrics.
/// </summary>
/// <remarks>
/// An allow-list, not a search for secrets: a secret can take any shape (any character, percent-encoded or not, any
/// case), so only what is provably not secret is kept and everything else becomes <see cref="Redacted"/>. Kept: a
/// well-known scheme, the host name the request goes to, an explicit port, and path segments that are short words of
/// letters only and not hex-like (<c>metrics</c>, <c>v</c>, <c>api</c>). Redacted: user-info, every other path segment,
/// the query and the fragment. A value that is not an absolute URL keeps only a well-known scheme.
/// </remarks>
internal static class UrlRedactor
{
    internal const string Redacted = "redacted";

    // Shorter fragments would turn ordinary words of a message into noise; no real secret is this short.
    private const int MinScrubLength = 3;

    // Longer runs of letters could be a token that happens to have no digit.
    private const int MaxWordLength = 20;

    private static readonly string[] _knownSchemes = ["http", "https", "ftp", "ftps", "ws", "wss", "file"];

    /// <summary>Returns the loggable form of <paramref name="url"/>.</summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return string.Empty;
        }

        var text = url.Trim();
        if (!TryParse(text, out var uri))
        {
            var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
            var scheme = schemeEnd > 0 ? KnownScheme(text[..schemeEnd]) : null;
            return scheme is null ? Redacted : scheme + "://" + Redacted;
        }

        var sb = new StringBuilder(text.Length + 16);
        _ = sb.Append(KnownScheme(uri.Scheme) ?? Redacted).Append("://");
        if (uri.UserInfo.Length > 0)
        {
            _ = sb.Append(Redacted).Append('@');
        }

        _ = sb.Append(IsHostName(uri.Host) ? uri.Host : Redacted);
        if (!uri.IsDefaultPort && uri.Port >= 0)
        {
            _ = sb.Append(':').Append(uri.Port);
        }

        var segments = uri.AbsolutePath.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                _ = sb.Append('/');
            }

            var segment = segments[i];
            _ = sb.Append(segment.Length == 0 || IsWord(segment) ? segment : Redacted);
        }

        if (uri.Query.Length > 0)
        {
            _ = sb.Append('?').Append(Redacted);
        }

        if (uri.Fragment.Length > 0)
        {
            _ = sb.Append('#').Append(Redacted);
        }

        return sb.ToString();
    }

    /// <summary>
    /// Returns every fragment of <paramref name="url"/> that is not kept by <see cref="Redact"/>, in the raw, decoded and
    /// re-encoded forms an exception message might quote, each with what replaces it, longest first.
    /// </summary>
    public static IReadOnlyList<(string Secret, string Replacement)> Secrets(string? url)
    {
        var list = new List<(string Secret, string Replacement)>();
        if (string.IsNullOrWhiteSpace(url))
        {
            return list;
        }

        var text = url.Trim();
        var redacted = Redact(text);
        var fragments = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        AddTextualFragments(text, fragments);

        // Whole URLs as a message may quote them (with and without user-info, escaped or not) become their redacted form.
        var wholes = new List<(string, string)> { (text, redacted) };
        if (TryParse(text, out var uri))
        {
            AddForms(uri.UserInfo, fragments);
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                AddForms(uri.UserInfo[..colon], fragments);
                AddForms(uri.UserInfo[(colon + 1)..], fragments);
            }

            foreach (var segment in uri.AbsolutePath.Split('/'))
            {
                if (segment.Length > 0 && !IsWord(segment))
                {
                    AddForms(segment, fragments);
                }
            }

            AddQueryForms(uri.Query.TrimStart('?'), fragments);
            AddForms(uri.Fragment.TrimStart('#'), fragments);

            var withoutUserInfo = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;
            foreach (var form in new[] { uri.AbsoluteUri, uri.ToString(), withoutUserInfo.AbsoluteUri, withoutUserInfo.ToString() })
            {
                wholes.Add((form, Redact(form)));
                wholes.Add((Uri.UnescapeDataString(form), Redact(form)));
            }

            wholes.Add((Uri.UnescapeDataString(text), redacted));
        }

        var kept = KeptWords(redacted);
        foreach (var fragment in fragments)
        {
            if (fragment.Length >= MinScrubLength && !kept.Contains(fragment))
            {
                list.Add((fragment, Redacted));
            }
        }

        foreach (var (whole, replacement) in wholes)
        {
            if (whole.Length >= MinScrubLength)
            {
                list.Add((whole, replacement));
            }
        }

        list.Sort(static (a, b) => b.Secret.Length.CompareTo(a.Secret.Length));
        return list;
    }

    /// <summary>Replaces every occurrence of <paramref name="secrets"/> inside <paramref name="text"/>.</summary>
    public static string Scrub(string text, IReadOnlyList<(string Secret, string Replacement)> secrets)
    {
        foreach (var (secret, replacement) in secrets)
        {
            text = text.Replace(secret, replacement, StringComparison.OrdinalIgnoreCase);
        }

        return text;
    }

    private static bool TryParse(string text, out Uri uri)
    {
        // Without "://" a Unix path such as "/metrics/x" would parse as a file URL and be shown as a path.
        if (text.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(text, UriKind.Absolute, out var parsed))
        {
            uri = parsed;
            return true;
        }

        uri = null!;
        return false;
    }

    private static string? KnownScheme(string scheme)
    {
        foreach (var known in _knownSchemes)
        {
            if (string.Equals(known, scheme, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }

    // The host the request is sent to, as the parser found it: names, IPv4 and bracketed IPv6 only.
    private static bool IsHostName(string host)
    {
        foreach (var c in host)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or ':' or '[' or ']'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A short word of ASCII letters with at least one letter that is not a hex digit: provably not a key or id.</summary>
    internal static bool IsWord(string segment)
    {
        if (segment.Length is 0 or > MaxWordLength)
        {
            return false;
        }

        var nonHex = false;
        foreach (var c in segment)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }

            nonHex |= !char.IsAsciiHexDigit(c);
        }

        return nonHex;
    }

    // Cuts the text as a lenient reader would, so pieces of a value that does not parse (or parses differently than its
    // author meant: a '#', '?' or '/' inside a password) are scrubbed too.
    private static void AddTextualFragments(string text, HashSet<string> fragments)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var afterScheme = schemeEnd >= 0 ? schemeEnd + 3 : 0;

        // User-info up to the last '@' of the whole text: a password may hold '/', '?' or '#'.
        var lastAt = text.LastIndexOf('@');
        if (lastAt > afterScheme)
        {
            var userInfo = text[afterScheme..lastAt];
            AddForms(userInfo, fragments);
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                AddForms(userInfo[(colon + 1)..], fragments);
                AddForms(userInfo[..colon], fragments);
            }
        }

        var fragmentAt = text.IndexOf('#', afterScheme);
        if (fragmentAt >= 0)
        {
            AddForms(text[(fragmentAt + 1)..], fragments);
        }

        var beforeFragment = fragmentAt >= 0 ? text[..fragmentAt] : text;
        var queryAt = beforeFragment.IndexOf('?', afterScheme);
        if (queryAt >= 0)
        {
            AddQueryForms(beforeFragment[(queryAt + 1)..], fragments);
        }

        var path = queryAt >= 0 ? beforeFragment[..queryAt] : beforeFragment;
        var pathAt = path.IndexOf('/', afterScheme);
        if (pathAt >= 0)
        {
            foreach (var segment in path[pathAt..].Split('/'))
            {
                if (!IsWord(segment))
                {
                    AddForms(segment, fragments);
                }
            }
        }
    }

    private static void AddQueryForms(string query, HashSet<string> fragments)
    {
        AddForms(query, fragments);
        foreach (var pair in query.Split('&'))
        {
            AddForms(pair, fragments);
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                AddForms(pair[(eq + 1)..], fragments);
            }
        }
    }

    private static void AddForms(string raw, HashSet<string> fragments)
    {
        if (raw.Length == 0)
        {
            return;
        }

        _ = fragments.Add(raw);
        var decoded = Uri.UnescapeDataString(raw);
        _ = fragments.Add(decoded);
        _ = fragments.Add(Uri.UnescapeDataString(raw.Replace('+', ' ')));
        _ = fragments.Add(Uri.EscapeDataString(decoded));
    }

    private static HashSet<string> KeptWords(string redacted)
    {
        var kept = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var word in redacted.Split(['/', ':', '@', '?', '#']))
        {
            if (word.Length > 0 && word != Redacted)
            {
                _ = kept.Add(word);
            }
        }

        return kept;
    }
}
