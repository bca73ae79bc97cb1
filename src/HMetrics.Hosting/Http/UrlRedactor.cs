using System.Text;

namespace HMetrics.Hosting.Http;

/// <summary>
/// Hides the secret parts of a metrics URL: it identifies the dyno and anyone holding it can write its metrics.
/// </summary>
/// <remarks>
/// Works on the text rather than on <see cref="Uri"/>, so that a value which failed validation is redacted as well.
/// </remarks>
internal static class UrlRedactor
{
    internal const string Redacted = "redacted";
    internal const string RedactedUuid = "redacted-uuid-form";

    // Shorter fragments would turn ordinary words of a message into noise; no real secret is this short.
    private const int MinScrubLength = 3;

    private static readonly string[] _secretKeyParts = ["token", "password", "secret", "auth", "key", "sig"];

    /// <summary>Returns <paramref name="url"/> with its password, UUID path segments and secret query values replaced.</summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return string.Empty;
        }

        var sb = new StringBuilder(url.Length + 16);
        foreach (var (text, secret) in Split(url))
        {
            _ = sb.Append(secret is null ? text : secret.Replacement);
        }

        return sb.ToString();
    }

    /// <summary>Returns the secret fragments of <paramref name="url"/>, each with what replaces it, longest first.</summary>
    public static IReadOnlyList<(string Secret, string Replacement)> Secrets(string? url)
    {
        var list = new List<(string, string)>();
        if (string.IsNullOrEmpty(url))
        {
            return list;
        }

        foreach (var (text, secret) in Split(url))
        {
            if (secret is { } s && text.Length >= MinScrubLength)
            {
                list.Add((text, s.Replacement));
                var unescaped = Uri.UnescapeDataString(text);
                if (unescaped != text)
                {
                    list.Add((unescaped, s.Replacement));
                }
            }
        }

        list.Sort(static (a, b) => b.Item1.Length.CompareTo(a.Item1.Length));
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

    private sealed record SecretPart(string Replacement);

    private static readonly SecretPart _password = new(Redacted);
    private static readonly SecretPart _uuid = new(RedactedUuid);

    // Cuts the URL into pieces; a piece with a SecretPart is what the redacted form replaces.
    private static List<(string Text, SecretPart? Secret)> Split(string url)
    {
        var parts = new List<(string, SecretPart?)>();

        var fragmentAt = url.IndexOf('#', StringComparison.Ordinal);
        var fragment = fragmentAt >= 0 ? url[fragmentAt..] : string.Empty;
        var rest = fragmentAt >= 0 ? url[..fragmentAt] : url;

        var queryAt = rest.IndexOf('?', StringComparison.Ordinal);
        var query = queryAt >= 0 ? rest[(queryAt + 1)..] : null;
        rest = queryAt >= 0 ? rest[..queryAt] : rest;

        var schemeEnd = rest.IndexOf("://", StringComparison.Ordinal);
        var authorityStart = schemeEnd >= 0 ? schemeEnd + 3 : 0;
        var pathAt = rest.IndexOf('/', authorityStart);
        var authorityEnd = pathAt >= 0 ? pathAt : rest.Length;

        parts.Add((rest[..authorityStart], null));

        var authority = rest[authorityStart..authorityEnd];
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                parts.Add((userInfo[..(colon + 1)], null));
                parts.Add((userInfo[(colon + 1)..], _password));
            }
            else
            {
                parts.Add((userInfo, null));
            }

            parts.Add((authority[at..], null));
        }
        else
        {
            parts.Add((authority, null));
        }

        if (pathAt >= 0)
        {
            var segments = rest[pathAt..].Split('/');
            for (var i = 0; i < segments.Length; i++)
            {
                if (i > 0)
                {
                    parts.Add(("/", null));
                }

                var segment = segments[i];
                parts.Add((segment, IsUuid(segment) ? _uuid : null));
            }
        }

        if (query is not null)
        {
            parts.Add(("?", null));
            var pairs = query.Split('&');
            for (var i = 0; i < pairs.Length; i++)
            {
                if (i > 0)
                {
                    parts.Add(("&", null));
                }

                var pair = pairs[i];
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    parts.Add((pair, null));
                    continue;
                }

                var name = pair[..eq];
                parts.Add((pair[..(eq + 1)], null));
                parts.Add((pair[(eq + 1)..], IsSecretKey(name) ? _password : null));
            }
        }

        parts.Add((fragment, null));
        return parts;
    }

    private static bool IsUuid(string segment) =>
        segment.Length == 36 && Guid.TryParseExact(segment, "D", out _);

    private static bool IsSecretKey(string name)
    {
        var decoded = Uri.UnescapeDataString(name.Replace('+', ' '));
        foreach (var part in _secretKeyParts)
        {
            if (decoded.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
