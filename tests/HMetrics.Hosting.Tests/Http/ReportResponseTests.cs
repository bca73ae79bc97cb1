using System.Net;
using System.Net.Http.Headers;

namespace HMetrics.Hosting.Tests.Http;

public sealed class ReportResponseTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // Parses the header the way the client receives it, so garbage is tested as HttpClient would hand it over.
    private static ReportResponse Answer(HttpStatusCode status, string? retryAfter)
    {
        using var response = new HttpResponseMessage(status);
        if (retryAfter is not null)
        {
            _ = response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return new ReportResponse(response.StatusCode, response.Headers.RetryAfter);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public void Retry_after_in_seconds_is_honoured_with_429_and_503(HttpStatusCode status)
    {
        Assert.Equal(TimeSpan.FromSeconds(120), Answer(status, "120").RetryAfterDelay(Now));
    }

    [Fact]
    public void Retry_after_as_an_http_date_is_the_time_until_then()
    {
        var answer = Answer(HttpStatusCode.ServiceUnavailable, "Wed, 25 Nov 2026 12:01:30 GMT");

        Assert.Equal(TimeSpan.FromSeconds(90), answer.RetryAfterDelay(Now));
    }

    [Theory]
    [InlineData("Wed, 25 Nov 2026 11:59:00 GMT")]
    [InlineData("Wed, 25 Nov 2026 12:00:00 GMT")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    [InlineData("1.5")]
    [InlineData("")]
    public void A_past_date_zero_negative_or_garbage_retry_after_is_ignored(string value)
    {
        Assert.Null(Answer(HttpStatusCode.TooManyRequests, value).RetryAfterDelay(Now));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData(HttpStatusCode.OK)]
    public void Retry_after_is_ignored_with_other_statuses(HttpStatusCode status)
    {
        Assert.Null(Answer(status, "120").RetryAfterDelay(Now));
    }

    [Fact]
    public void Without_the_header_there_is_no_delay()
    {
        Assert.Null(Answer(HttpStatusCode.TooManyRequests, null).RetryAfterDelay(Now));
    }

    [Fact]
    public void A_long_retry_after_is_capped_at_max_backoff_by_the_retry_policy()
    {
        var wait = Answer(HttpStatusCode.ServiceUnavailable, "Thu, 26 Nov 2026 12:00:00 GMT").RetryAfterDelay(Now);

        var delay = DeliveryRetry.RetryAfter(new ReportFailedException("status 503", "http_5xx", HttpStatusCode.ServiceUnavailable, wait), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));

        Assert.Equal(TimeSpan.FromDays(1), wait);
        Assert.Equal(TimeSpan.FromMinutes(2), delay);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(202, true)]
    [InlineData(204, true)]
    [InlineData(299, true)]
    [InlineData(199, false)]
    [InlineData(300, false)]
    [InlineData(302, false)]
    [InlineData(400, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    public void Only_2xx_is_success(int status, bool success)
    {
        Assert.Equal(success, new ReportResponse((HttpStatusCode)status, null).IsSuccess);
    }

    [Fact]
    public void A_delta_and_a_date_header_object_are_read_directly_too()
    {
        var byDelta = new ReportResponse(HttpStatusCode.TooManyRequests, new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)));
        var byDate = new ReportResponse(HttpStatusCode.TooManyRequests, new RetryConditionHeaderValue(Now.AddMinutes(3)));

        Assert.Equal(TimeSpan.FromSeconds(7), byDelta.RetryAfterDelay(Now));
        Assert.Equal(TimeSpan.FromMinutes(3), byDate.RetryAfterDelay(Now));
    }
}
