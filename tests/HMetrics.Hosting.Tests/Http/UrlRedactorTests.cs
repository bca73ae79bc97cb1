namespace HMetrics.Hosting.Tests.Http;

public sealed class UrlRedactorTests
{
    private const string Uuid = "0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";
    private const string Uuid2 = "11111111-2222-4333-8444-555555555555";

    public static TheoryData<string, string> Cases => new()
    {
        // user-info: the password goes, the user name stays
        { "https://user:hunter2@example.com/metrics", "https://user:redacted@example.com/metrics" },
        { "https://user:p%40ss%3Aword@example.com/", "https://user:redacted@example.com/" },
        { "https://user:p@ss@example.com/x", "https://user:redacted@example.com/x" },
        { "https://user:pa:ss@example.com/x", "https://user:redacted@example.com/x" },
        { "https://user@example.com/x", "https://user@example.com/x" },
        { "https://user:hunter2@example.com", "https://user:redacted@example.com" },

        // UUID path segments: one, several, any case
        { $"https://example.com/metrics/{Uuid}", "https://example.com/metrics/redacted-uuid-form" },
        { $"https://example.com/{Uuid}/apps/{Uuid2}/x", "https://example.com/redacted-uuid-form/apps/redacted-uuid-form/x" },
        { $"https://example.com/d/{Uuid.ToUpperInvariant()}", "https://example.com/d/redacted-uuid-form" },
        { $"https://example.com/d/{Uuid}/", "https://example.com/d/redacted-uuid-form/" },

        // secret query keys: all of them, by substring, any case; the others stay
        {
            "https://example.com/m?token=t1&Password=p1&client_secret=s1&AUTH=a1&x-api-key=k1&sig=g1&page=2&format=json",
            "https://example.com/m?token=redacted&Password=redacted&client_secret=redacted&AUTH=redacted&x-api-key=redacted&sig=redacted&page=2&format=json"
        },
        { "https://example.com/m?Signature=abc&authorization=xyz&MyToken=t", "https://example.com/m?Signature=redacted&authorization=redacted&MyToken=redacted" },
        { "https://example.com/m?page=1&token=a&token=b", "https://example.com/m?page=1&token=redacted&token=redacted" },
        { "https://example.com/m?page=1&format=json&limit=10", "https://example.com/m?page=1&format=json&limit=10" },

        // encoded names and values
        { "https://example.com/m?token=a%2Fb%3D%3D", "https://example.com/m?token=redacted" },
        { "https://example.com/m?api%5Fkey=abc", "https://example.com/m?api%5Fkey=redacted" },
        { "https://example.com/m?my+token=abc", "https://example.com/m?my+token=redacted" },
        { "https://example.com/m?%54OKEN=abc", "https://example.com/m?%54OKEN=redacted" },

        // fragments are kept and do not swallow the value before them
        { "https://example.com/m?token=abc#section", "https://example.com/m?token=redacted#section" },
        { $"https://example.com/{Uuid}#top", "https://example.com/redacted-uuid-form#top" },

        // a name without a value, or an empty value
        { "https://example.com/m?token&page=1", "https://example.com/m?token&page=1" },
        { "https://example.com/m?token=", "https://example.com/m?token=redacted" },

        // malformed values are redacted as text, never thrown on
        { "not a url", "not a url" },
        { "user:hunter2@example.com/path", "user:redacted@example.com/path" },
        { $"ftp://user:hunter2@example.com/{Uuid}?token=abc", "ftp://user:redacted@example.com/redacted-uuid-form?token=redacted" },
        { "https://example.com/%zz?token=%zz", "https://example.com/%zz?token=redacted" },
        { "https://user:hunter2@/path?key=v", "https://user:redacted@/path?key=redacted" },
        { "http:///metrics?secret=abc", "http:///metrics?secret=redacted" },
        { "?token=abc", "?token=redacted" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Redacts_every_secret_part_and_keeps_the_rest(string url, string expected)
    {
        Assert.Equal(expected, UrlRedactor.Redact(url));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Redacts_nothing_to_empty(string? url)
    {
        Assert.Equal(string.Empty, UrlRedactor.Redact(url));
    }

    [Fact]
    public void A_segment_that_only_looks_like_a_uuid_stays()
    {
        const string url = "https://example.com/v1/metrics-0b9c1f2e/not-a-uuid-but-36-characters-long-xx";

        Assert.Equal(url, UrlRedactor.Redact(url));
    }

    [Fact]
    public void The_metrics_endpoint_logs_the_same_redacted_form()
    {
        var url = $" https://u:hunter2@example.com/metrics/{Uuid}?token=abc&page=2 ";

        var endpoint = MetricsEndpoint.Parse(url);

        Assert.Equal("https://u:redacted@example.com/metrics/redacted-uuid-form?token=redacted&page=2", endpoint.Redacted);
    }

    [Fact]
    public void Scrub_removes_every_secret_from_exception_text_in_raw_decoded_and_other_case_forms()
    {
        var endpoint = MetricsEndpoint.Parse($"https://dyno:p%40ssw0rd@example.com/metrics/{Uuid}?token=t0k3n%2Fx&page=2");
        var text = "HttpRequestException: An error occurred while sending the request to " +
            $"https://example.com/metrics/{Uuid.ToUpperInvariant()}?token=t0k3n%2Fx&page=2 " +
            "(user dyno, password p@ssw0rd, token t0k3n/x)";

        var scrubbed = endpoint.Scrub(text);

        Assert.DoesNotContain("p@ssw0rd", scrubbed, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("p%40ssw0rd", scrubbed, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Uuid, scrubbed, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("t0k3n", scrubbed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("redacted-uuid-form", scrubbed, StringComparison.Ordinal);
        Assert.Contains("page=2", scrubbed, StringComparison.Ordinal);
        Assert.StartsWith("HttpRequestException: An error occurred while sending the request to https://example.com/metrics/", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrub_leaves_ordinary_words_alone_when_a_secret_is_very_short()
    {
        // A two-letter password would otherwise punch holes into every word containing it.
        var endpoint = MetricsEndpoint.Parse("https://u:on@example.com/metrics");

        Assert.Equal("Connection refused on port 443", endpoint.Scrub("Connection refused on port 443"));
        Assert.Equal("https://u:redacted@example.com/metrics", endpoint.Redacted);
    }

    [Fact]
    public void Secrets_lists_longer_fragments_first_so_a_shorter_one_cannot_split_a_longer_one()
    {
        var secrets = UrlRedactor.Secrets($"https://u:abc@example.com/{Uuid}?token=abcdef");

        var lengths = secrets.Select(s => s.Secret.Length).ToList();
        Assert.Equal(lengths.OrderByDescending(l => l), lengths);
        Assert.Contains(secrets, s => s.Secret == Uuid && s.Replacement == "redacted-uuid-form");
        Assert.Contains(secrets, s => s.Secret == "abcdef" && s.Replacement == "redacted");
        Assert.Equal("token=redacted and redacted", UrlRedactor.Scrub("token=abcdef and abc", secrets));
    }
}
