using System.Net.Http.Headers;
using System.Text;

namespace HMetrics.Hosting.Http;

/// <summary>
/// An endpoint URL taken apart once: where to send, how to authenticate, and how to name it in a log.
/// </summary>
internal sealed class MetricsEndpoint : ISecretScrubber
{
    private readonly IReadOnlyList<(string Secret, string Replacement)> _secrets;

    private MetricsEndpoint(string raw, Uri requestUri, AuthenticationHeaderValue? authorization)
    {
        Raw = raw;
        RequestUri = requestUri;
        Authorization = authorization;
        Redacted = UrlRedactor.Redact(raw);
        var secrets = new List<(string Secret, string Replacement)>(UrlRedactor.Secrets(raw));
        if (authorization?.Parameter is { } credentials)
        {
            // The Basic credential is the password in reversible form; a user's handler may quote the header.
            secrets.Insert(0, (credentials, UrlRedactor.Redacted));
        }

        // The request URI is what a handler or the runtime quotes; each of its forms reads as the redacted form.
        foreach (var form in new[] { requestUri.AbsoluteUri, requestUri.ToString(), requestUri.PathAndQuery, requestUri.AbsolutePath })
        {
            if (form.Length > 1)
            {
                secrets.Add((form, form == requestUri.PathAndQuery || form == requestUri.AbsolutePath ? RedactedPath(form) : UrlRedactor.Redact(form)));
            }
        }

        secrets.Sort(static (a, b) => b.Secret.Length.CompareTo(a.Secret.Length));

        _secrets = secrets;
    }

    private static string RedactedPath(string pathAndQuery)
    {
        var redacted = UrlRedactor.Redact("http://h" + pathAndQuery);
        return redacted["http://h".Length..];
    }

    /// <summary>Gets the value as configured; never log it.</summary>
    public string Raw { get; }

    /// <summary>Gets the URL requests go to, without user-info.</summary>
    public Uri RequestUri { get; }

    /// <summary>Gets the HTTP Basic credentials from the URL's user-info, if it had any.</summary>
    public AuthenticationHeaderValue? Authorization { get; }

    /// <summary>Gets the form that may be logged.</summary>
    public string Redacted { get; }

    /// <summary>Removes the URL's secrets from text that may quote it, such as an exception message.</summary>
    public string Scrub(string text) => UrlRedactor.Scrub(text, _secrets);

    /// <summary>Checks that <paramref name="value"/> is a usable endpoint.</summary>
    /// <returns><see langword="null"/> when it is; otherwise the rule it breaks.</returns>
    public static string? Validate(string value)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri))
        {
            return "must be an absolute URL such as https://host/path";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return "must use the http or https scheme";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return "must name a host";
        }

        return null;
    }

    /// <summary>Parses <paramref name="value"/> if it is a usable endpoint.</summary>
    /// <returns>The endpoint, or <see langword="null"/> when <see cref="Validate"/> rejects the value; never throws.</returns>
    public static MetricsEndpoint? TryParse(string value)
    {
        if (Validate(value) is not null)
        {
            return null;
        }

        try
        {
            return Parse(value);
        }
        catch (Exception ex) when (ex is UriFormatException or ArgumentException or FormatException)
        {
            // Validate and Parse disagree only on pathological input; such a value is simply not usable.
            return null;
        }
    }

    /// <summary>Parses a value that <see cref="Validate"/> accepted.</summary>
    public static MetricsEndpoint Parse(string value)
    {
        var trimmed = value.Trim();
        var uri = new Uri(trimmed, UriKind.Absolute);

        AuthenticationHeaderValue? authorization = null;
        if (uri.UserInfo.Length > 0)
        {
            // Go's HTTP client sends user-info as Basic authentication; so do we, and keep it off the wire's URL.
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon >= 0 ? uri.UserInfo[..colon] : uri.UserInfo);
            var password = colon >= 0 ? Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]) : string.Empty;
            authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
            uri = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;
        }

        return new MetricsEndpoint(trimmed, uri, authorization);
    }
}
