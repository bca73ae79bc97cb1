using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// The endpoint URL is a secret (docs/behaviour.md, "Secrets" and "Host safety"): a host logging at Trace is driven
/// through every outcome and no captured record may contain any secret part of it.
/// </summary>
public sealed class SecretsTests
{
    private const string User = "metrics-user";
    private const string Password = "Pa55w0rd-Zx9q";
    private const string Uuid = "6f1c2d3e-8a7b-4c5d-9e0f-a1b2c3d4e5f6";
    private const string Token = "tok-7f3a9c";
    private const string ApiKey = "key-b81e44";
    private const string Signature = "sig-0c9d2e";

    private static readonly string _basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));

    private static readonly string[] _secrets = [Password, Uuid, Token, ApiKey, Signature, _basic];

    [Fact]
    public async Task User_info_is_sent_as_basic_authentication_and_never_in_the_url()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(SecretUrl(server.BaseAddress));

        var report = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Equal("Basic " + _basic, report.Header("Authorization"));
        Assert.Equal($"/metrics/{Uuid}?token={Token}&api_key={ApiKey}&X-Amz-Signature={Signature}&plain=visible", report.PathAndQuery);
        Assert.DoesNotContain("@", report.Header("Host"), StringComparison.Ordinal);
        Assert.DoesNotContain(User, report.PathAndQuery + report.Header("Host"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_log_record_at_trace_level_contains_a_secret_through_success_errors_redirects_timeouts_and_drops()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        // The timeout below the interval is exact: the hung request fails 10 s after it went out.
        await using var host = MetricsHost.Create(SecretUrl(server.BaseAddress), ("HerokuMetrics:BackoffJitter", "00:00:00"), ("HerokuMetrics:HttpTimeout", "00:00:10"));

        await host.StartAndSendFirstReportAsync();
        await host.WaitForLogAsync("ReportDelivered");

        // Each failure of a regular report is followed by a recovery and a calm drain back to steady state, so the
        // attempt count restarts (Polly's delay is 1 s each time). No success paid for an early retry: each goes at the
        // next tick, at least an urgent gap after the failure (the hung request fails late).
        Action[] failures =
        [
            () => server.RespondWithStatus(HttpStatusCode.InternalServerError),
            () => server.RespondWithRedirect(SecretUrl(server.BaseAddress) + "&next=1"),
            server.RespondByHanging,
            server.RespondByDroppingTheConnection,
        ];
        var interval = MetricsHost.DefaultInterval;
        var regularAt = Seconds(40);
        var delivered = 1;
        for (var i = 0; i < failures.Length; i++)
        {
            failures[i]();
            server.DropPending();
            host.Time.AdvanceTo(regularAt, interval);
            var failedAt = regularAt;
            if (i == 2)
            {
                _ = await server.NextAsync();
                host.Time.Advance(Seconds(10));
                failedAt += Seconds(10);
            }

            await host.WaitForLogAsync("ReportFailed", i + 1);
            server.DropPending();
            server.RespondWithStatus(HttpStatusCode.OK);
            await host.Time.WaitForTimerAsync(host.Time.UntilNextTick(interval));
            var tick = host.Time.NextTick(interval);
            host.Time.AdvanceTo(tick, interval);
            var retryAt = failedAt + DrainPacer.UrgentGap(interval);
            if (retryAt > tick)
            {
                await host.Time.WaitForTimerAsync(retryAt - tick);
                host.Time.AdvanceTo(retryAt, interval);
            }
            else
            {
                retryAt = tick;
            }

            Assert.Equal(At(regularAt), (await server.NextAsync()).Header("Measurements-Time"));
            await host.WaitForLogAsync("Recovered", i + 1);
            (var steadyAt, delivered) = await CalmDrain.FollowAsync(host, server, retryAt, tick, ++delivered, interval);
            regularAt = steadyAt + interval;
        }

        await host.Host.StopAsync();
        await host.WaitForLogAsync("Flushed");

        AssertNoSecretLogged(host);
        var reasons = host.Records("ReportFailed").Select(r => r.GetStructuredStateValue("Reason")).ToList();
        Assert.Contains(reasons, r => r!.Contains("status 500", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r!.Contains("status 307", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r!.Contains("no response within", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r!.Contains("HttpRequestException", StringComparison.Ordinal));
        Assert.Contains("/metrics/redacted?redacted", host.Records("Started")[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_log_record_contains_a_secret_when_the_connection_is_refused()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var host = MetricsHost.Create(
            SecretUrl(new Uri($"http://127.0.0.1:{closedPort}/")),
            ("HerokuMetrics:BackoffJitter", "00:00:00"),
            ("HerokuMetrics:FlushOnShutdown", "false"));

        // The retry waits for the next tick (no success paid for an early one).
        await host.StartAndSendFirstReportAsync();
        var failed = await host.WaitForLogAsync("ReportFailed");
        await host.Time.WaitForTimerAsync(host.Time.UntilNextTick(MetricsHost.DefaultInterval));
        host.Time.AdvanceTo(host.Time.NextTick(MetricsHost.DefaultInterval), MetricsHost.DefaultInterval);
        await host.WaitForLogAsync("ReportFailed", 2);

        Assert.Contains("HttpRequestException", failed.Message, StringComparison.Ordinal);
        AssertNoSecretLogged(host);
    }

    [Fact]
    public async Task A_throwing_handler_of_the_user_is_logged_redacted_and_the_host_keeps_reporting()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var audit = new AuditSwitch();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(SecretUrl(server.BaseAddress), ("HerokuMetrics:BackoffJitter", "00:00:00")),
            services => services.AddHerokuMetrics().AddHttpMessageHandler(() => new AuditHandler(audit)));

        // Each retry waits for the next tick (no success paid for an early one): 40 s, 60 s.
        audit.Throw = true;
        await host.StartAndSendFirstReportAsync();
        var first = await host.WaitForLogAsync("ReportFailed");
        await host.Time.WaitForTimerAsync(host.Time.UntilNextTick(MetricsHost.DefaultInterval));
        host.Time.AdvanceTo(Seconds(40), MetricsHost.DefaultInterval);
        await host.WaitForLogAsync("ReportFailed", 2);

        audit.Throw = false;
        await host.Time.WaitForTimerAsync(host.Time.UntilNextTick(MetricsHost.DefaultInterval));
        host.Time.AdvanceTo(Seconds(60), MetricsHost.DefaultInterval);
        _ = await server.NextAsync();
        await host.WaitForLogAsync("Recovered");

        Assert.Contains("InvalidOperationException", first.Message, StringComparison.Ordinal);
        Assert.Contains("audit failed", first.Message, StringComparison.Ordinal);
        Assert.Empty(host.Records("UnexpectedError"));
        Assert.False(host.Service.ExecuteTask!.IsCompleted);
        AssertNoSecretLogged(host);
    }

    [Fact]
    public async Task A_proxy_password_quoted_by_a_407_failure_reaches_no_log_record_or_status()
    {
        // Issue 18, "A secret the library did not put there": .NET quotes the proxy's URI, user-info included, in the
        // exception of a tunnel the proxy refused. The library never saw that URI; it removes user-info by shape.
        const string ProxyPassword = "s3cret-pa55";
        await using var proxy = RawHttpServer.Start(async (connection, token) =>
        {
            var head = await connection.ReadHeadAsync(token);
            await connection.WriteAsync(
                "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                token);
            return head;
        });
        var raw = new ConcurrentQueue<string>();
        await using var host = MetricsHost.Create(
            MetricsHost.Settings($"https://127.0.0.1:9/metrics/{Uuid}", ("HerokuMetrics:BackoffJitter", "00:00:00")),
            services => services.AddHerokuMetrics()
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    Proxy = new WebProxy(new Uri($"http://user:{ProxyPassword}@127.0.0.1:{proxy.Port}")),
                    UseProxy = true,
                })
                .AddHttpMessageHandler(() => new ExceptionWitness(raw)));

        await host.StartAndSendFirstReportAsync();
        Assert.StartsWith("CONNECT 127.0.0.1:9 HTTP/1.1", await proxy.NextRequestAsync(), StringComparison.Ordinal);
        var failed = await host.WaitForLogAsync("ReportFailed");
        await host.Time.WaitForTimerAsync(host.Time.UntilNextTick(MetricsHost.DefaultInterval));
        host.Time.AdvanceTo(host.Time.NextTick(MetricsHost.DefaultInterval), MetricsHost.DefaultInterval);
        _ = await proxy.NextRequestAsync();
        await host.WaitForLogAsync("ReportFailed", 2);
        await host.Host.StopAsync();

        // The test means something only if .NET did put the password into the failure the library was handed.
        Assert.Contains(raw, text => text.Contains(ProxyPassword, StringComparison.Ordinal));
        Assert.Contains("407", failed.GetStructuredStateValue("Reason"), StringComparison.Ordinal);
        var records = host.Logs.GetSnapshot();
        Assert.All(records, r =>
        {
            var texts = new[] { r.Message, r.Exception?.ToString() }.Concat((r.StructuredState ?? []).Select(p => p.Value));
            Assert.DoesNotContain(texts, t => t?.Contains(ProxyPassword, StringComparison.Ordinal) == true);
        });
        var status = host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current;
        Assert.Equal("transport", status.LastFailure);
        Assert.DoesNotContain(ProxyPassword, string.Join("|", typeof(HerokuMetricsStatus).GetProperties().Select(p => p.GetValue(status))), StringComparison.Ordinal);
    }

    private static string SecretUrl(Uri baseAddress) =>
        $"http://{User}:{Password}@{baseAddress.Host}:{baseAddress.Port}/metrics/{Uuid}" +
        $"?token={Token}&api_key={ApiKey}&X-Amz-Signature={Signature}&plain=visible";

    private static void AssertNoSecretLogged(MetricsHost host)
    {
        var records = host.Logs.GetSnapshot();
        Assert.NotEmpty(records);
        foreach (var record in records)
        {
            var texts = new List<string?> { record.Message, record.Exception?.ToString() };
            foreach (var (key, value) in record.StructuredState ?? [])
            {
                texts.Add(key);
                texts.Add(value);
            }

            foreach (var text in texts.Where(t => t is not null))
            {
                foreach (var secret in _secrets)
                {
                    Assert.False(
                        text!.Contains(secret, StringComparison.OrdinalIgnoreCase),
                        $"{record.Level} {record.Category}/{record.Id.Name} logged secret '{secret}': {text}");
                }
            }
        }
    }

    /// <summary>Sees the exception the primary handler throws, before the library describes it.</summary>
    private sealed class ExceptionWitness(ConcurrentQueue<string> seen) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (Exception ex)
            {
                seen.Enqueue(ex.ToString());
                throw;
            }
        }
    }

    private sealed class AuditSwitch
    {
        public volatile bool Throw;
    }

    /// <summary>A user's handler whose exception quotes the request as carelessly as possible.</summary>
    private sealed class AuditHandler(AuditSwitch audit) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            audit.Throw
                ? throw new InvalidOperationException($"audit failed for {request.RequestUri} ({request.Headers.Authorization})")
                : base.SendAsync(request, cancellationToken);
    }
}
