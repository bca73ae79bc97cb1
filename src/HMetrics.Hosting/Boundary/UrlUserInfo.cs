namespace HMetrics.Hosting.Boundary;

/// <summary>
/// Removes the user-info of every URL in a text, whatever URL it belongs to: secrets by shape, not only by value.
/// </summary>
/// <remarks>
/// The endpoint's own secrets are known and scrubbed by value (<see cref="ISecretScrubber"/>), but .NET quotes other URLs
/// the library never saw: a proxy from <c>HTTPS_PROXY=http://user:password@proxy:3128</c> appears in the exception of a
/// 407 answer to the tunnel request. Any <c>scheme://…@</c> is therefore cut at its last <c>@</c> before the next
/// whitespace or quote: more may be removed than the user-info (a path holding an <c>@</c>), never less, whatever
/// characters the password holds.
/// </remarks>
internal static class UrlUserInfo
{
    internal const string Replacement = "redacted";

    /// <summary>Returns <paramref name="text"/> with the user-info of every URL in it replaced.</summary>
    public static string Remove(string text)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return text;
        }

        var result = new System.Text.StringBuilder(text.Length);
        var copied = 0;
        while (schemeEnd >= 0)
        {
            var authorityStart = schemeEnd + 3;
            var tokenEnd = authorityStart;
            while (tokenEnd < text.Length && !EndsToken(text[tokenEnd]))
            {
                tokenEnd++;
            }

            var at = text.LastIndexOf('@', tokenEnd - 1, tokenEnd - authorityStart);
            if (at >= authorityStart)
            {
                _ = result.Append(text, copied, authorityStart - copied).Append(Replacement);
                copied = at;
            }

            schemeEnd = tokenEnd < text.Length ? text.IndexOf("://", tokenEnd, StringComparison.Ordinal) : -1;
        }

        return copied == 0 ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    // Where a URL quoted in a message ends: whitespace, a quote, or a bracket around it.
    private static bool EndsToken(char c) => char.IsWhiteSpace(c) || c is '\'' or '"' or '<' or '>' or '`' or '(' or ')' or '[' or ']' or '{' or '}';
}
