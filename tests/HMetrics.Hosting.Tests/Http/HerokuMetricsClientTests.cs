using System.Globalization;
using System.Net;
using System.Text;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Moq.Protected;

namespace HMetrics.Hosting.Tests.Http;

public sealed class HerokuMetricsClientTests
{
    private const string Url = "https://example.com/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";
    private static readonly byte[] Body = """{"counters":{"go.gc.collections":3},"gauges":{"go.routines":12}}"""u8.ToArray();
    private static readonly DateTimeOffset MeasuredAt = new(2026, 11, 25, 14, 30, 15, 123, TimeSpan.FromHours(2));

    private static Task<ReportResponse> Post(HttpMessageHandler handler, string url = Url, string userAgent = "hmetrics/1.0 (test)") =>
        Send(handler, MetricsEndpoint.Parse(url), Body, 2, userAgent);

    // What SampleSender does with the reporter's typed client over a handler chain.
    private static async Task<ReportResponse> Send(HttpMessageHandler handler, MetricsEndpoint endpoint, ReadOnlyMemory<byte> body, int count, string userAgent)
    {
        using var httpClient = new HttpClient(handler, disposeHandler: false);
        return await LibraryClient.PostAsync(new HerokuMetricsClient(httpClient, handler), endpoint, body, count, userAgent, MeasuredAt);
    }

    [Fact]
    public async Task Posts_the_body_bytes_unchanged_with_the_four_headers()
    {
        HttpRequestMessage? seen = null;
        byte[]? seenBody = null;
        var handler = new Mock<HttpMessageHandler>(MockBehavior.Strict);
        handler.Protected()
            .Setup<Task<HttpResponseMessage>>("SendAsync", ItExpr.IsAny<HttpRequestMessage>(), ItExpr.IsAny<CancellationToken>())
            .Callback<HttpRequestMessage, CancellationToken>((request, token) =>
            {
                seen = request;
                seenBody = request.Content!.ReadAsByteArrayAsync(token).GetAwaiter().GetResult();
            })
            .ReturnsAsync(() => new HttpResponseMessage(HttpStatusCode.OK));

        var response = await Post(handler.Object);

        Assert.True(response.IsSuccess);
        Assert.NotNull(seen);
        Assert.Equal(HttpMethod.Post, seen.Method);
        Assert.Equal(new Uri(Url), seen.RequestUri);
        Assert.Equal(Body, seenBody);
        Assert.Equal("application/json", seen.Content!.Headers.ContentType!.ToString());
        Assert.Equal("hmetrics/1.0 (test)", seen.Headers.NonValidated["User-Agent"].ToString());
        Assert.Equal("2026-11-25T12:30:15.123Z", seen.Headers.NonValidated["Measurements-Time"].ToString());
        Assert.Equal("2", seen.Headers.NonValidated["Measurements-Count"].ToString());
        Assert.Null(seen.Headers.Authorization);
        handler.Protected().Verify("SendAsync", Times.Once(), ItExpr.IsAny<HttpRequestMessage>(), ItExpr.IsAny<CancellationToken>());
    }

    [Fact]
    public async Task Measurements_time_is_rfc_3339_utc_whatever_the_current_culture()
    {
        var handler = new CapturingHandler();
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("th-TH"); // Buddhist calendar: year 2569
        try
        {
            _ = await Post(handler);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        var value = Assert.Single(handler.Requests).Header("Measurements-Time");
        Assert.Equal("2026-11-25T12:30:15.123Z", value);
        var parsed = DateTimeOffset.ParseExact(value!, "yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
        Assert.Equal(MeasuredAt, parsed);
        Assert.Equal(TimeSpan.Zero, parsed.Offset);
    }

    [Fact]
    public async Task User_info_is_sent_as_basic_authentication_and_not_in_the_request_line()
    {
        var handler = new CapturingHandler();

        _ = await Post(handler, "https://dyno:s3cr%40t@example.com/metrics/x");

        var request = Assert.Single(handler.Requests);
        Assert.Equal("https://example.com/metrics/x", request.RequestUri!.AbsoluteUri);
        Assert.Equal("Basic", request.Headers.Authorization!.Scheme);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("dyno:s3cr@t")), request.Headers.Authorization.Parameter);
    }

    [Fact]
    public async Task The_user_agent_is_sent_exactly_as_configured()
    {
        var handler = new CapturingHandler();

        _ = await Post(handler, userAgent: "my-app/2.3.4 (+https://example.com/bot; dyno web.1) hmetrics/1.0");

        Assert.Equal("my-app/2.3.4 (+https://example.com/bot; dyno web.1) hmetrics/1.0", handler.Requests[0].Header("User-Agent"));
    }

    [Fact]
    public async Task Returns_the_status_and_retry_after_of_a_failure()
    {
        var handler = new CapturingHandler
        {
            Respond = _ =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
                return response;
            },
        };

        var answer = await Post(handler);

        Assert.False(answer.IsSuccess);
        Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), answer.RetryAfterDelay(MeasuredAt));
    }

    [Fact]
    public async Task A_body_from_the_collector_is_posted_byte_for_byte()
    {
        var handler = new CapturingHandler();
        var sample = new Sample();
        Array.Fill(sample.Gauges, double.NaN);
        sample.Counters[(int)ProcessCounter.Gen0Collections] = 3;
        sample.Gauges[(int)RuntimeGauge.HeapBytes] = 5242880.5;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var count = new ReportBodyWriter().Write(HerokuMetricsSchema.Go, sample.Counters, sample.Gauges, buffer);
        var body = buffer.WrittenMemory;

        _ = await Send(handler, MetricsEndpoint.Parse(Url), body, count, "ua/1");

        var request = Assert.Single(handler.Requests);
        Assert.Equal("""{"counters":{"go.gc.collections":3,"go.gc.pause.ns":0},"gauges":{"go.memory.heap.bytes":5242880.5}}""", Encoding.UTF8.GetString(request.Body));
        Assert.Equal("3", request.Header("Measurements-Count"));
        Assert.Equal("application/json", request.ContentHeaders!.ContentType!.ToString());
    }

    [Fact]
    public async Task On_the_wire_the_endpoint_sees_the_exact_bytes_the_four_headers_and_basic_auth()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(new Dictionary<string, string?>());
        var url = server.Url("/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f").Replace("http://", "http://dyno:s3cret@", StringComparison.Ordinal);

        var answer = await LibraryClient.PostAsync(
            host.Host.Services, MetricsEndpoint.Parse(url), Body, 2, "hmetrics/1.0 (app using HMetrics.Hosting package)", MeasuredAt);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var report = await server.NextAsync();
        Assert.Equal("POST", report.Method);
        Assert.Equal("/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f", report.PathAndQuery);
        Assert.Equal(Body, report.Body);
        Assert.Equal("application/json", report.Header("Content-Type"));
        Assert.Equal("hmetrics/1.0 (app using HMetrics.Hosting package)", report.Header("User-Agent"));
        Assert.Equal("2026-11-25T12:30:15.123Z", report.Header("Measurements-Time"));
        Assert.Equal("2", report.Header("Measurements-Count"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("dyno:s3cret")), report.Header("Authorization"));
    }
}
