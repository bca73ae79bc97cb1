namespace HMetrics.Hosting.Tests.Http;

public sealed class UrlRedactorTests
{
    private const string Uuid = "0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";
    private const string Uuid2 = "11111111-2222-4333-8444-555555555555";

    public static TheoryData<string, string> Cases => new()
    {
        // user-info goes whole: the password and the user name with it
        { "https://user:hunter2@example.com/metrics", "https://redacted@example.com/metrics" },
        { "https://user:p%40ss%3Aword@example.com/", "https://redacted@example.com/" },
        { "https://user:pa:ss@example.com/x", "https://redacted@example.com/x" },
        { "https://user@example.com/x", "https://redacted@example.com/x" },
        { "https://user:hunter2@example.com", "https://redacted@example.com/" },

        // scheme, host and an explicit port stay; a default port is not written
        { "HTTPS://Example.COM:8443/metrics", "https://example.com:8443/metrics" },
        { "http://127.0.0.1:80/metrics", "http://127.0.0.1/metrics" },
        { "http://[::1]:5000/metrics", "http://[::1]:5000/metrics" },

        // path segments: short words of letters stay; ids, numbers, hex-like words, encodings and long runs go
        { $"https://example.com/metrics/{Uuid}", "https://example.com/metrics/redacted" },
        { $"https://example.com/{Uuid}/apps/{Uuid2}/x", "https://example.com/redacted/apps/redacted/x" },
        { $"https://example.com/d/{Uuid.ToUpperInvariant()}/", "https://example.com/redacted/redacted/" },
        { "https://example.com/v1/metrics-0b9c1f2e/deadbeef/api", "https://example.com/redacted/redacted/redacted/api" },
        { "https://example.com/metrics/%30b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f", "https://example.com/metrics/redacted" },
        { "https://example.com/abcdefghijklmnopqrstuvwxyz", "https://example.com/redacted" },

        // query and fragment go whole, whatever their names say
        { "https://example.com/m?token=t1&page=2", "https://example.com/m?redacted" },
        { "https://example.com/m?page=1&format=json", "https://example.com/m?redacted" },
        { "https://example.com/m?token=abc#section", "https://example.com/m?redacted#redacted" },
        { $"https://example.com/{Uuid}#top", "https://example.com/redacted#redacted" },

        // a value that is not an absolute URL keeps a well-known scheme at most
        { "not a url", "redacted" },
        { "user:hunter2@example.com/path", "redacted" },
        { "https://user:hunter2@/path?key=v", "https://redacted" },
        { "http:///metrics?secret=abc", "http://redacted" },
        { "?token=abc", "redacted" },
        { "https://u:Pa55#w0rd@example.com/metrics", "https://redacted" },
        { "secret-scheme://example.com/metrics", "redacted://example.com/metrics" },
        { "mailto:ops@example.com", "redacted" },
        // ftp has no query: the parser keeps "?token=abc" in the last segment, which goes with it
        { $"ftp://user:hunter2@example.com/{Uuid}?token=abc", "ftp://redacted@example.com/redacted" },
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

    [Theory]
    [InlineData("metrics", true)]
    [InlineData("Metrics", true)]
    [InlineData("v", true)]
    [InlineData("abc", false)]
    [InlineData("DeadBeef", false)]
    [InlineData("v1", false)]
    [InlineData("metrics-x", false)]
    [InlineData("%6Detrics", false)]
    [InlineData("abcdefghijklmnopqrstu", false)]
    public void Only_short_words_of_letters_that_are_not_hex_like_are_kept(string segment, bool kept)
    {
        Assert.Equal(kept, UrlRedactor.IsWord(segment));
    }

    [Fact]
    public void The_metrics_endpoint_logs_the_same_redacted_form()
    {
        var url = $" https://u:hunter2@example.com/metrics/{Uuid}?token=abc&page=2 ";

        var endpoint = MetricsEndpoint.Parse(url);

        Assert.Equal("https://redacted@example.com/metrics/redacted?redacted", endpoint.Redacted);
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
        Assert.Contains("https://example.com/metrics/redacted?redacted", scrubbed, StringComparison.Ordinal);
        Assert.StartsWith("HttpRequestException: An error occurred while sending the request to https://example.com/metrics/", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrub_leaves_ordinary_words_alone_when_a_secret_is_very_short()
    {
        // A two-letter password would otherwise punch holes into every word containing it.
        var endpoint = MetricsEndpoint.Parse("https://u:on@example.com/metrics");

        Assert.Equal("Connection refused on port 443", endpoint.Scrub("Connection refused on port 443"));
        Assert.Equal("https://redacted@example.com/metrics", endpoint.Redacted);
    }

    [Fact]
    public void Secrets_lists_longer_fragments_first_so_a_shorter_one_cannot_split_a_longer_one()
    {
        var secrets = UrlRedactor.Secrets($"https://u:abc@example.com/{Uuid}?token=abcdef");

        var lengths = secrets.Select(s => s.Secret.Length).ToList();
        Assert.Equal(lengths.OrderByDescending(l => l), lengths);
        Assert.Contains(secrets, s => s.Secret == Uuid && s.Replacement == "redacted");
        Assert.Contains(secrets, s => s.Secret == "abcdef" && s.Replacement == "redacted");
        Assert.Equal("redacted and redacted", UrlRedactor.Scrub("token=abcdef and abc", secrets));
    }
}
