using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Logging;
using static HMetrics.Hosting.Tests.Adversity.Adversity;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>
/// Every way the network and the endpoint can fail, through real sockets on loopback: each must end in one logged
/// failure and a retry (at the next sampling tick when no success paid for an earlier one, when <c>Retry-After</c>
/// says if the endpoint asked), never in an exception that stops the reporter.
/// </summary>
public sealed class FaultMatrixTests
{
    [Fact]
    public async Task Connection_refused_is_a_transport_failure_and_is_retried()
    {
        // A port that was just bound and released: nothing listens there.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await using var host = MetricsHost.Create(Settings($"http://127.0.0.1:{port}/metrics/{DynoId}"));
        await host.StartAndSendFirstReportAsync();

        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Contains("HttpRequestException", State(failed, "Reason"), StringComparison.Ordinal);
        Assert.Contains("refused", State(failed, "Reason"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Backoff.ToString(), State(failed, "Delay"));
        await AssertRetriedAtNextTickAsync(host, 1);
    }

    [Fact]
    public async Task A_host_name_that_cannot_resolve_is_a_transport_failure_and_is_retried()
    {
        await using var host = MetricsHost.Create(Settings($"https://metrics.hmetrics-chaos.invalid/metrics/{DynoId}"));
        await host.StartAndSendFirstReportAsync();

        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Contains("HttpRequestException", State(failed, "Reason"), StringComparison.Ordinal);
        Assert.Contains("metrics.hmetrics-chaos.invalid", State(failed, "Reason"), StringComparison.Ordinal);
        await AssertRetriedAtNextTickAsync(host, 1);
    }

    [Fact]
    public async Task Tls_spoken_to_a_plain_http_port_fails_the_handshake_and_is_retried()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var https = server.Url().Replace("http://", "https://", StringComparison.Ordinal);
        await using var host = MetricsHost.Create(Settings(https));
        await host.StartAndSendFirstReportAsync();

        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Contains("SSL", State(failed, "Reason"), StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        await AssertRetriedAtNextTickAsync(host, 1);
    }

    [Fact]
    public async Task A_server_that_resets_the_connection_mid_request_is_a_transport_failure()
    {
        await using var server = RawHttpServer.Start(async (connection, token) =>
        {
            // Half of the request line, then a TCP reset.
            var some = new byte[8];
            await connection.Stream.ReadExactlyAsync(some, token);
            connection.Abort();
            return null;
        });
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();

        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Contains("HttpRequestException", State(failed, "Reason"), StringComparison.Ordinal);
        await AssertRetriedAtNextTickAsync(host, 1);
    }

    [Fact]
    public async Task A_server_that_never_sends_response_headers_is_ended_by_the_timeout()
    {
        await using var server = RawHttpServer.Start(async (connection, token) =>
        {
            _ = await connection.ReadRequestAsync(token);
            await connection.WaitForClientToLeaveAsync(token);
            return "client left";
        });

        // No final report at shutdown: against this server it would wait for a timeout nobody advances.
        await using var host = MetricsHost.Create(Settings(server.Url(), ("HerokuMetrics:FlushOnShutdown", "false")));
        await host.StartAndSendFirstReportAsync();
        _ = await server.NextRequestAsync();

        // Nothing happens until the fake clock reaches the timeout, however long the test waits in real time.
        Assert.Equal(0, Count(host, "ReportFailed"));
        host.Time.Advance(HttpTimeout - TimeSpan.FromTicks(1));
        Assert.Equal(0, Count(host, "ReportFailed"));
        host.Time.Advance(TimeSpan.FromTicks(1));

        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Equal("no response within 00:00:10", State(failed, "Reason"));

        // The cancelled request closed the connection instead of leaving it open forever.
        Assert.Equal("client left", await server.HandledAsync());

        // And the reporter tries again: Polly's backoff first, then (no success paid for an early retry) at the next
        // sampling tick, paced an urgent gap from the failure, which came late here (30 s). That retry hangs too and
        // ends at its own timeout, so its line's stamp says when it went out.
        var failedAt = host.Time.Elapsed;
        var retryAt = failedAt + DrainPacer.UrgentGap(Interval);
        Assert.True(retryAt > 2 * Interval);
        await host.Time.WaitForTimerAsync(Backoff);
        host.Time.Advance(Backoff);
        host.Time.AdvanceTo(2 * Interval, Interval);
        await host.Time.WaitForTimerAsync(retryAt - (2 * Interval));
        host.Time.AdvanceTo(retryAt, Interval);
        _ = await server.NextRequestAsync();
        host.Time.Advance(HttpTimeout);
        var retried = await host.WaitForLogAsync("ReportFailed", 2);
        Assert.Equal(host.Time.Start + retryAt + HttpTimeout, retried.Timestamp);
        AssertHealthy(host);
    }

    [Fact]
    public async Task A_status_line_trickled_one_byte_a_second_is_ended_by_the_timeout_not_kept_alive_by_it()
    {
        // The trickle is paced by the same fake clock as the timeout: every byte arrives on time, and still the
        // report ends at the deadline because the timeout bounds the whole exchange, not the gap between bytes.
        var time = new TestTimeProvider();
        var sent = 0;
        await using var server = RawHttpServer.Start(async (connection, token) =>
        {
            _ = await connection.ReadRequestAsync(token);
            foreach (var b in "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"u8.ToArray())
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, token);
                await connection.Stream.WriteAsync(new[] { b }, token);
                _ = Interlocked.Increment(ref sent);
            }

            return null;
        });
        await using var host = MetricsHost.Create(Settings(server.Url(), ("HerokuMetrics:FlushOnShutdown", "false")), time: time);
        await host.StartAndSendFirstReportAsync();
        _ = await server.NextRequestAsync();

        for (var second = 1; second <= HttpTimeout.TotalSeconds; second++)
        {
            await time.WaitForTimerAsync(TimeSpan.FromSeconds(1));
            Assert.Equal(0, Count(host, "ReportFailed"));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.Equal("no response within 00:00:10", State(failed, "Reason"));
        Assert.InRange(Volatile.Read(ref sent), 9, 10);
        Assert.Equal(0, Count(host, "ReportDelivered"));
    }

    [Fact]
    public async Task A_body_trickled_one_byte_a_second_does_not_delay_the_report()
    {
        var time = new TestTimeProvider();
        await using var server = RawHttpServer.Start(async (connection, token) =>
        {
            _ = await connection.ReadRequestAsync(token);
            await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", token);
            for (var i = 0; i < 1000; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, token);
                await connection.Stream.WriteAsync("x"u8.ToArray(), token);
            }

            return null;
        });
        await using var host = MetricsHost.Create(Settings(server.Url()), time: time);
        await host.StartAndSendFirstReportAsync();

        // Delivered on the status line alone, without the fake clock moving a tick.
        var delivered = await host.WaitForLogAsync("ReportDelivered");
        Assert.Equal("200", State(delivered, "StatusCode"));
        Assert.Equal(0, Count(host, "ReportFailed"));
    }

    [Fact]
    public async Task A_100_MB_response_body_is_never_read()
    {
        const long hundredMegabytes = 100L * 1024 * 1024;
        long written = 0;
        await using var server = RawHttpServer.Start(async (connection, token) =>
        {
            _ = await connection.ReadRequestAsync(token);
            await connection.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"HTTP/1.1 200 OK\r\nContent-Length: {hundredMegabytes}\r\n\r\n"), token);
            var chunk = new byte[64 * 1024];
            while (written < hundredMegabytes)
            {
                await connection.Stream.WriteAsync(chunk, token);
                written += chunk.Length;
            }

            return "whole body written";
        });
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();

        _ = await host.WaitForLogAsync("ReportDelivered");

        // The client dropped the connection after the headers, so the server's writes failed long before the end.
        var outcome = await server.HandledAsync(TimeSpan.FromSeconds(60));
        Assert.IsAssignableFrom<IOException>(outcome);
        Assert.InRange(written, 0, hundredMegabytes / 4);
    }

    public static TheoryData<int, bool> Statuses() => new()
    {
        { 200, true }, { 201, true }, { 202, true }, { 204, true }, { 299, true },
        { 300, false }, { 304, false }, { 305, false },
        { 400, false }, { 401, false }, { 403, false }, { 404, false }, { 408, false }, { 413, false }, { 429, false },
        { 500, false }, { 501, false }, { 502, false }, { 503, false }, { 504, false }, { 599, false },
        { 600, false }, { 999, false },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task Only_2xx_is_success_and_every_other_status_is_one_logged_failure(int status, bool success)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus((HttpStatusCode)status);
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();
        _ = await server.NextAsync();

        if (success)
        {
            var delivered = await host.WaitForLogAsync("ReportDelivered");
            Assert.Equal(status.ToString(CultureInfo.InvariantCulture), State(delivered, "StatusCode"));
            Assert.Equal(0, Count(host, "ReportFailed"));
        }
        else if (status is 400 or 413)
        {
            // The sample itself was rejected: one Warning, no backoff (the endpoint answered); it is dropped, not re-sent,
            // and the next sample comes on schedule.
            var rejected = await host.WaitForLogAsync("SampleRejected");
            Assert.Equal(LogLevel.Warning, rejected.Level);
            Assert.Equal(status.ToString(CultureInfo.InvariantCulture), State(rejected, "StatusCode"));
            Assert.Equal(0, Count(host, "ReportFailed"));
            host.Time.Advance(Interval);
            _ = await server.NextAsync();
            Assert.Equal(2, server.RequestCount);
        }
        else
        {
            var failed = await host.WaitForLogAsync("ReportFailed");
            Assert.Equal(LogLevel.Warning, failed.Level);
            Assert.StartsWith($"status {status} ", State(failed, "Reason"), StringComparison.Ordinal);
            Assert.Equal(0, Count(host, "ReportDelivered"));
            await AssertRetriedAtNextTickAsync(host, 1);
        }

        AssertHealthy(host);
    }

    [Fact]
    public async Task An_interim_1xx_response_is_skipped_and_the_final_status_counts()
    {
        await using var server = RawHttpServer.Start(async (connection, token) =>
        {
            _ = await connection.ReadRequestAsync(token);
            await connection.WriteAsync("HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", token);
            return null;
        });
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();

        var delivered = await host.WaitForLogAsync("ReportDelivered");
        Assert.Equal("204", State(delivered, "StatusCode"));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_a_failure_and_is_never_followed(int status)
    {
        await using var elsewhere = await HerokuLikeServer.StartAsync();
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWith((ctx, _) =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.Headers.Location = elsewhere.Url("/collect");
            return Task.CompletedTask;
        });
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();

        var failed = await host.WaitForLogAsync("ReportFailed");
        Assert.StartsWith($"status {status} ", State(failed, "Reason"), StringComparison.Ordinal);
        await AssertRetriedAtNextTickAsync(host, 1);
        Assert.Equal(2, server.Requests.Count);
        Assert.Empty(elsewhere.Requests);
    }

    public static TheoryData<int, string, string, int?> RetryAfters() => new()
    {
        // status, Retry-After, why, the delay it asks for in seconds (Backoff is 5 s, MaxBackoff 10 min), or null when it
        // is ignored: the failure is then one no success paid for, and its retry waits for the next sampling tick.
        { 429, "120", "seconds", 120 },
        { 503, "120", "seconds", 120 },
        { 429, "Wed, 25 Nov 2026 12:01:50 GMT", "an HTTP date 90 s after the failure", 90 },
        { 503, "Wed, 25 Nov 2026 12:01:50 GMT", "an HTTP date 90 s after the failure", 90 },
        { 503, "Wed, 25 Nov 2026 11:00:00 GMT", "an HTTP date in the past", null },
        { 429, "soon", "garbage", null },
        { 503, "-30", "negative", null },
        { 429, "86400000", "huge: 1000 days", 600 },
        { 503, "Fri, 31 Dec 9999 23:59:59 GMT", "huge: the last representable date", 600 },
        { 503, "99999999999", "beyond Int32: unparseable", null },
        { 500, "120", "Retry-After is honoured only with 429 and 503", null },
    };

    [Theory]
    [MemberData(nameof(RetryAfters))]
    public async Task Retry_after_is_honoured_capped_or_ignored(int status, string retryAfter, string why, int? askedSeconds)
    {
        _ = why;
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus((HttpStatusCode)status, retryAfter);
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();

        // A Retry-After the library honours wins over the retry budget: the retry goes when the endpoint asked, even
        // before the next tick. One it ignores leaves Polly's backoff in the line and the budget holds the retry until the
        // next sampling tick (the first report failed at 20 s: 40 s).
        var failed = await host.WaitForLogAsync("ReportFailed");
        var failedAt = host.Time.Elapsed;
        var logged = askedSeconds is { } asked ? TimeSpan.FromSeconds(asked) : Backoff;
        var retryAt = askedSeconds is null ? host.Time.NextTick(Interval) : failedAt + logged;
        Assert.Equal(logged.ToString(), State(failed, "Delay"));

        // The wait really is that long: no attempt one tick early, the next one exactly on time.
        await host.Time.WaitForTimerAsync(logged);
        host.Time.AdvanceTo(retryAt - TimeSpan.FromTicks(1), Interval);
        Assert.Single(server.Requests);
        server.RespondWithStatus(HttpStatusCode.OK);
        host.Time.Advance(TimeSpan.FromTicks(1));
        var recovered = await host.WaitForLogAsync("Recovered");
        Assert.Equal(host.Time.Start + retryAt, recovered.Timestamp);

        // Exactly on time. When that moment is also a sampling tick (140 s, 620 s, and 40 s for the budget), the sample
        // taken then may follow at once if it was taken after the retry picked its sample: a third request is the
        // schedule, not an early retry.
        Assert.InRange(server.Requests.Count, 2, 3);
        AssertHealthy(host);
    }

    [Fact]
    public async Task An_endpoint_changed_in_configuration_takes_effect_at_the_next_report()
    {
        await using var first = await HerokuLikeServer.StartAsync();
        await using var second = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(Settings(first.Url()));
        _ = await host.StartAndDeliverFirstReportAsync(first);

        var configuration = host.Configuration;
        configuration["HerokuMetrics:Endpoint"] = second.Url("/metrics/11111111-2222-3333-4444-555555555555");
        configuration.Reload();

        var moved = await host.AdvanceToNextReportAsync(second, 2);
        Assert.Equal("/metrics/11111111-2222-3333-4444-555555555555", moved.PathAndQuery);
        Assert.Single(first.Requests);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Message.Contains("11111111-2222", StringComparison.Ordinal));
        AssertHealthy(host);
    }

    [Theory]
    [InlineData("HerokuMetrics:PostInterval", "00:00:00")]
    [InlineData("HerokuMetrics:PostInterval", "-00:00:05")]
    [InlineData("HerokuMetrics:MaxBackoff", "2.00:00:00")]
    [InlineData("HerokuMetrics:InitialBackoff", "00:30:00")]
    [InlineData("HerokuMetrics:UserAgent", "bad\u0001agent")]
    [InlineData("HerokuMetrics:Endpoint", "ftp://127.0.0.1/x")]
    [InlineData("HerokuMetrics:PostInterval", "abc")]
    [InlineData("HerokuMetrics:HttpTimeout", "ten seconds")]
    [InlineData("HerokuMetrics:Schema", "Python")]
    public async Task Options_reloaded_to_invalid_values_log_one_error_and_the_last_good_values_stay(string key, string value)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(Settings(server.Url()));
        _ = await host.StartAndDeliverFirstReportAsync(server);

        var configuration = host.Configuration;
        configuration[key] = value;

        // Nothing may throw to whoever triggered the reload (a file watcher's thread in production), not even for text
        // the binder cannot convert.
        var reload = Record.Exception(configuration.Reload);
        Assert.Null(reload);

        // Three more reports, on the old 20 s cadence, to the old endpoint, with the old user agent.
        for (var report = 2; report <= 4; report++)
        {
            var received = await host.AdvanceToNextReportAsync(server, report);
            Assert.StartsWith("hmetrics/1.0", received.Header("User-Agent"), StringComparison.Ordinal);
        }

        var error = await host.WaitForLogAsync("InvalidOptionsIgnored");
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, Count(host, "InvalidOptionsIgnored"));
        Assert.Equal(0, Count(host, "ReportFailed"));
        AssertHealthy(host);
    }
}
