using System.Globalization;
using System.Net;
using System.Text;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Http;

/// <summary>
/// Issue 9, observation 2: redaction is tested with generated secrets, not a list of the cases we thought of. Secrets
/// are drawn from the whole printable ASCII range, every URI reserved character, percent-encoded or raw, in mixed case;
/// none may appear in the redacted form, a validation message, the host's start-up error, any log record at any level
/// or any scrubbed exception text.
/// </summary>
public sealed class GeneratedRedactionTests
{
    private const string Reserved = ":/?#[]@!$&'()*+,;=%";

    /// <summary>One generated endpoint and the secrets in it, in every form that must not be shown.</summary>
    internal sealed record Case(string Url, IReadOnlyList<(string Secret, bool Raw)> Placed, string Password, string User)
    {
        /// <summary>Gets every form of every secret placed in the URL that must not be shown.</summary>
        public IEnumerable<string> Secrets => Placed.SelectMany(p => new[] { p.Secret, Uri.EscapeDataString(p.Secret) });


        public override string ToString() => Url;
    }

    internal static Case Generate(Random random, string authority = "127.0.0.1:8080")
    {
        var placed = new List<(string Secret, bool Raw)>();
        string Place(string secret)
        {
            var mode = random.Next(3);
            placed.Add((secret, mode == 0));
            return Encode(mode, random, secret);
        }

        var password = Secret(random);
        var segment = random.Next(3) == 0 ? Secret(random) : Guid.NewGuid().ToString(random.Next(2) == 0 ? "D" : "N");
        segment = MixCase(random, segment);
        var user = "u" + random.Next(100_000).ToString(CultureInfo.InvariantCulture);

        var scheme = random.Next(4) switch { 0 => "HTTP", 1 => "Https", 2 => "http", _ => "https" };
        var url = new StringBuilder().Append(scheme).Append("://");
        if (random.Next(5) != 0)
        {
            url.Append(user).Append(':').Append(Place(password)).Append('@');
        }

        url.Append(authority).Append("/metrics/").Append(Place(segment));
        if (random.Next(3) != 0)
        {
            url.Append('/').Append(Place(Secret(random)));
        }

        if (random.Next(3) != 0)
        {
            url.Append("?token=").Append(Place(Secret(random))).Append("&page=2");
        }

        if (random.Next(4) == 0)
        {
            url.Append('#').Append(Place(Secret(random)));
        }

        return new Case(url.ToString(), placed, password, user);
    }

    // 8 to 24 printable characters with at least one that is not a letter: a run of letters only is a word by the
    // documented rule (a path segment such as "metrics"), and such a secret would be kept by design.
    private static string Secret(Random random)
    {
        var length = random.Next(8, 25);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = random.Next(4) == 0 ? Reserved[random.Next(Reserved.Length)] : (char)random.Next(0x21, 0x7F);
        }

        chars[random.Next(length)] = (char)random.Next('0', '9' + 1);
        return new string(chars);
    }

    private static string MixCase(Random random, string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = random.Next(2) == 0 ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    // Raw, escaped as a URI would need, or every character percent-encoded, with hex digits in either case.
    private static string Encode(int mode, Random random, string text) => mode switch
    {
        0 => text,
        1 => MixHexCase(random, Uri.EscapeDataString(text)),
        _ => string.Concat(Encoding.UTF8.GetBytes(text).Select(b => random.Next(2) == 0 ? $"%{b:X2}" : $"%{b:x2}")),
    };

    private static string MixHexCase(Random random, string escaped)
    {
        var sb = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            var inEscape = i >= 1 && escaped[i - 1] == '%' || i >= 2 && escaped[i - 2] == '%';
            sb.Append(inEscape && random.Next(2) == 0 ? char.ToLowerInvariant(c) : c);
        }

        return sb.ToString();
    }

    private static IEnumerable<string> Quotable(string url, MetricsEndpoint endpoint)
    {
        var parsed = new Uri(url.Trim());
        var sent = endpoint.RequestUri;
        string[] urls = [url, parsed.OriginalString, parsed.AbsoluteUri, parsed.ToString(), sent.AbsoluteUri, sent.ToString(), sent.PathAndQuery, sent.AbsolutePath];
        foreach (var form in urls)
        {
            yield return form;
            yield return Uri.UnescapeDataString(form);
        }

        if (endpoint.Authorization?.Parameter is { } basic)
        {
            yield return endpoint.Authorization.ToString();
            yield return Encoding.UTF8.GetString(Convert.FromBase64String(basic));
        }

        string[] parts = [parsed.UserInfo, .. parsed.UserInfo.Split(':', 2), .. parsed.AbsolutePath.Split('/'), parsed.Query, .. parsed.Query.TrimStart('?').Split('&'), parsed.Fragment];
        foreach (var part in parts)
        {
            yield return part;
            yield return Uri.UnescapeDataString(part);
        }

        foreach (var pair in parsed.Query.TrimStart('?').Split('&'))
        {
            var value = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
            yield return value;
            yield return Uri.UnescapeDataString(value);
        }
    }

    internal static void AssertClean(Case c, string? text, string where)
    {
        if (text is null)
        {
            return;
        }

        foreach (var secret in c.Secrets)
        {
            Assert.False(
                text.Contains(secret, StringComparison.OrdinalIgnoreCase),
                $"{where} shows secret '{secret}' of {c.Url}: {text}");
        }
    }

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void No_generated_secret_survives_redaction_validation_or_scrubbing(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 100; i++)
        {
            var c = Generate(random);
            AssertClean(c, UrlRedactor.Redact(c.Url), "the redacted form");

            var result = HerokuMetricsOptionsValidator.Validate(new HerokuMetricsOptions { Endpoint = c.Url }, new OptionsOrigin());
            AssertClean(c, result.FailureMessage, "the validation message");

            if (MetricsEndpoint.Validate(c.Url) is not null)
            {
                continue;
            }

            var endpoint = MetricsEndpoint.Parse(c.Url);
            AssertClean(c, endpoint.Redacted, "the endpoint's redacted form");

            // Everything an exception could quote: the URL as configured and as sent in each of its forms, raw and
            // decoded, the header and the credential it carries, and each part the parser derived, decoded, in any case.
            var quoted = new StringBuilder();
            foreach (var text in Quotable(c.Url, endpoint))
            {
                quoted.Append(text).Append(' ').Append(text.ToUpperInvariant()).Append(' ').Append(text.ToLowerInvariant()).Append(' ');
            }

            var scrubbed = endpoint.Scrub(quoted.ToString());
            AssertClean(c, scrubbed, "a scrubbed exception text");
            if (endpoint.Authorization?.Parameter is { } basic)
            {
                Assert.DoesNotContain(basic, scrubbed, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Observation_2_a_password_with_a_hash_question_mark_or_slash_is_not_quoted_by_validation()
    {
        const string Uuid = "0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";
        foreach (var password in new[] { "Pa55#w0rd", "Pa55?w0rd", "Pa55/w0rd" })
        {
            var url = $"https://u:{password}@example.com/metrics/{Uuid}";

            var message = HerokuMetricsOptionsValidator.Validate(new HerokuMetricsOptions { Endpoint = url }, new OptionsOrigin()).FailureMessage;

            Assert.Contains("HerokuMetrics:Endpoint", message, StringComparison.Ordinal);
            Assert.DoesNotContain("w0rd", message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Uuid, message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Observation_2_a_percent_encoded_uuid_segment_is_not_logged_by_Started()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        const string Encoded = "%30b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";
        await using var host = MetricsHost.Create($"http://127.0.0.1:{server.BaseAddress.Port}/metrics/{Encoded}");

        _ = await host.StartAndDeliverFirstReportAsync(server);

        var started = Assert.Single(host.Records("Started"));
        Assert.DoesNotContain("b9c1f2e-4a5d", started.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/metrics/redacted", started.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task No_generated_secret_reaches_the_start_up_error_or_any_log_record_at_any_level(int seed)
    {
        var random = new Random(seed);
        await using var server = await HerokuLikeServer.StartAsync();
        var authority = $"127.0.0.1:{server.BaseAddress.Port}";
        var started = 0;
        for (var i = 0; i < 40; i++)
        {
            var c = Generate(random, authority);
            var valid = MetricsEndpoint.Validate(c.Url) is null;

            // A raw '/' or '#' in a password can move the host; tests talk to 127.0.0.1 only.
            if (valid && new Uri(c.Url.Trim()) is var target && (target.Host != "127.0.0.1" || target.Port != server.BaseAddress.Port))
            {
                continue;
            }

            var quoteRequest = random.Next(2) == 0;
            await using var host = MetricsHost.Create(
                MetricsHost.Settings(c.Url, ("HerokuMetrics:BackoffJitter", "00:00:00")),
                services => services.AddHerokuMetrics().AddHttpMessageHandler(() => new QuotingHandler(quoteRequest)));

            if (!valid)
            {
                var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
                AssertClean(c, error.Message, "the start-up error");
                AssertClean(c, error.ToString(), "the start-up error");
            }
            else
            {
                started++;
                await host.StartAndSendFirstReportAsync();
                await host.WaitForAnyLogAsync("ReportFailed", "ReportDelivered");

                // A reload to another generated value that is invalid is logged, redacted, and ignored.
                // An ftp scheme makes it invalid whatever its generated parts do to the parse, so nothing is ever sent to it.
                var generated = Generate(random, "127.0.0.1:1");
                var invalid = generated with { Url = "ftp" + generated.Url[generated.Url.IndexOf("://", StringComparison.Ordinal)..] };
                Assert.NotNull(MetricsEndpoint.Validate(invalid.Url));
                // A change is checked when it happens, so the Error is logged by the reload itself.
                host.Reload(("HerokuMetrics:Endpoint", invalid.Url));
                await host.WaitForLogAsync("InvalidOptionsIgnored");
                await host.Host.StopAsync();
                foreach (var record in host.Logs.GetSnapshot())
                {
                    var texts = new List<string?> { record.Message, record.Exception?.ToString() };
                    texts.AddRange((record.StructuredState ?? []).Select(p => p.Value));
                    foreach (var text in texts)
                    {
                        AssertClean(c, text, $"{record.Level} {record.Id.Name}");
                        AssertClean(invalid, text, $"{record.Level} {record.Id.Name}");
                    }
                }
            }
        }

        Assert.True(started > 3, $"only {started} of the generated endpoints were valid");
    }

    /// <summary>A user's handler whose exception quotes the request as carelessly as possible.</summary>
    private sealed class QuotingHandler(bool quote) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            quote
                ? throw new HttpRequestException(
                    $"refused {request.RequestUri} / {request.RequestUri!.AbsoluteUri} / {request.RequestUri.PathAndQuery} " +
                    $"/ {Uri.UnescapeDataString(request.RequestUri.AbsoluteUri)} ({request.Headers.Authorization}) " +
                    $"{DecodedCredentials(request)}",
                    null,
                    HttpStatusCode.BadGateway)
                : base.SendAsync(request, cancellationToken);

        private static string DecodedCredentials(HttpRequestMessage request) =>
            request.Headers.Authorization?.Parameter is { } p ? Encoding.UTF8.GetString(Convert.FromBase64String(p)) : string.Empty;
    }
}
