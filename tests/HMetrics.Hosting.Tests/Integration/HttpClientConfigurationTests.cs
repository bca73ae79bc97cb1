using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Issue 23: what a user configures with <c>ConfigureHttpClient</c> on the builder <c>AddHerokuMetrics</c> returns
/// applies to the reports, one test per kind of setting, as the endpoint sees it.
/// </summary>
public sealed class HttpClientConfigurationTests
{
    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private static MetricsHost Host(HerokuLikeServer server, Action<HttpClient> configure, params (string Key, string? Value)[] settings) =>
        MetricsHost.Create(
            MetricsHost.Settings(server, [("HerokuMetrics:FlushOnShutdown", "false"), .. settings]),
            services => services.AddHerokuMetrics().ConfigureHttpClient(configure));

    [Fact]
    public async Task Default_request_headers_reach_the_endpoint_and_never_replace_the_librarys_own()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = Host(server, c =>
        {
            c.DefaultRequestHeaders.Add("X-Team", "payments");
            c.DefaultRequestHeaders.UserAgent.ParseAdd("someone-else/1.0");
        });

        var report = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Equal("payments", report.Header("X-Team"));

        // As HttpClient does: a default header is added only where the request has none of that name.
        Assert.Equal(new HerokuMetricsOptions().UserAgent, report.Header("User-Agent"));
    }

    [Fact]
    public async Task The_default_request_version_and_policy_are_the_version_on_the_wire()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = Host(server, c =>
        {
            // HTTP/1.0, which the loopback server speaks in cleartext as well as HTTP/1.1 (it would refuse cleartext HTTP/2).
            c.DefaultRequestVersion = HttpVersion.Version10;
            c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        });

        var report = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Equal("HTTP/1.0", report.Protocol);
    }

    [Fact]
    public async Task Without_a_version_set_reports_go_as_HTTP_1_1()
    {
        // The control of the test above: the server tells the versions apart.
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = Host(server, _ => { });

        var report = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Equal("HTTP/1.1", report.Protocol);
    }

    [Fact]
    public async Task A_Timeout_shorter_than_the_librarys_ends_an_attempt_as_a_timeout_at_the_clients_deadline()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondByHanging();
        await using var host = Host(server, c => c.Timeout = Seconds(3));

        await host.StartAndSendFirstReportAsync();
        _ = await server.NextAsync();
        host.Time.Advance(Seconds(3));
        var failed = await host.WaitForLogAsync("ReportFailed");

        Assert.Contains("no response within 00:00:03", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Timeout_longer_than_the_librarys_leaves_the_librarys_deadline_in_force()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondByHanging();
        await using var host = Host(server, c => c.Timeout = Seconds(60), ("HerokuMetrics:HttpTimeout", "00:00:05"));

        await host.StartAndSendFirstReportAsync();
        _ = await server.NextAsync();
        host.Time.Advance(Seconds(5));
        var failed = await host.WaitForLogAsync("ReportFailed");

        Assert.Contains("no response within 00:00:05", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_BaseAddress_has_no_effect_the_endpoint_being_an_absolute_url()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var elsewhere = await HerokuLikeServer.StartAsync();
        await using var host = Host(server, c => c.BaseAddress = elsewhere.BaseAddress);

        var report = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Equal("/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f", report.PathAndQuery);
        Assert.Equal(0, elsewhere.RequestCount);
    }

    [Fact]
    public async Task A_MaxResponseContentBufferSize_has_no_effect_the_response_body_never_being_read()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWith((ctx, _) => ctx.Response.WriteAsync(new string('x', 64 * 1024)));
        await using var host = Host(server, c => c.MaxResponseContentBufferSize = 1);

        _ = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Empty(host.Records("ReportFailed"));
    }
}
