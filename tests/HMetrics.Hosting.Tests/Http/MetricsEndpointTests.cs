using System.Text;

namespace HMetrics.Hosting.Tests.Http;

public sealed class MetricsEndpointTests
{
    [Theory]
    [InlineData("https://example.com/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f")]
    [InlineData("http://127.0.0.1:5000/metrics")]
    [InlineData("  https://example.com/x  ")]
    [InlineData("https://user:pass@example.com/x?token=abc")]
    [InlineData("https://[::1]:8443/x")]
    public void Accepts_absolute_http_and_https_urls(string value)
    {
        Assert.Null(MetricsEndpoint.Validate(value));
    }

    [Theory]
    [InlineData("not a url", "must be an absolute URL such as https://host/path")]
    [InlineData("example.com/metrics", "must be an absolute URL such as https://host/path")]
    [InlineData("http:///metrics", "must be an absolute URL such as https://host/path")]
    [InlineData("https://user:pass@/metrics", "must be an absolute URL such as https://host/path")]
    [InlineData("ftp://example.com/metrics", "must use the http or https scheme")]
    [InlineData("mailto:ops@example.com", "must use the http or https scheme")]
    [InlineData("file:///etc/passwd", "must use the http or https scheme")]
    public void Rejects_what_cannot_be_posted_to_with_the_rule_it_breaks(string value, string rule)
    {
        Assert.Equal(rule, MetricsEndpoint.Validate(value));
    }

    [Fact]
    public void User_info_becomes_basic_authentication_and_leaves_the_request_uri()
    {
        var endpoint = MetricsEndpoint.Parse("https://dyno:s3cr%40t@example.com/metrics/x?page=1");

        Assert.Equal("https://example.com/metrics/x?page=1", endpoint.RequestUri.AbsoluteUri);
        Assert.Equal(string.Empty, endpoint.RequestUri.UserInfo);
        Assert.NotNull(endpoint.Authorization);
        Assert.Equal("Basic", endpoint.Authorization.Scheme);
        Assert.Equal("dyno:s3cr@t", Encoding.UTF8.GetString(Convert.FromBase64String(endpoint.Authorization.Parameter!)));
    }

    [Fact]
    public void A_user_name_alone_is_sent_with_an_empty_password()
    {
        var endpoint = MetricsEndpoint.Parse("https://dyno@example.com/metrics");

        Assert.Equal("dyno:", Encoding.UTF8.GetString(Convert.FromBase64String(endpoint.Authorization!.Parameter!)));
        Assert.Equal("https://redacted@example.com/metrics", endpoint.Redacted);
    }

    [Fact]
    public void Without_user_info_there_is_no_authorization()
    {
        var endpoint = MetricsEndpoint.Parse("  https://example.com/metrics  ");

        Assert.Null(endpoint.Authorization);
        Assert.Equal("https://example.com/metrics", endpoint.Raw);
        Assert.Equal(new Uri("https://example.com/metrics"), endpoint.RequestUri);
    }
}
