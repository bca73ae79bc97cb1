using System.Diagnostics.Metrics;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace HMetrics.Hosting.Tests.Reporting.SelfObservation;

public sealed class HerokuMetricsInstrumentsTests
{
    [Fact]
    public async Task The_meter_counts_sent_and_failed_reports_with_their_reason_duration_payload_and_backoff()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(server, ("HerokuMetrics:BackoffJitter", "00:00:00"));
        var meterFactory = host.Host.Services.GetRequiredService<IMeterFactory>();
        using var sent = new MetricCollector<long>(meterFactory, "HMetrics.Hosting", "hmetrics.reports.sent");
        using var failed = new MetricCollector<long>(meterFactory, "HMetrics.Hosting", "hmetrics.reports.failed");
        using var duration = new MetricCollector<double>(meterFactory, "HMetrics.Hosting", "hmetrics.report.duration");
        using var payload = new MetricCollector<long>(meterFactory, "HMetrics.Hosting", "hmetrics.report.payload.size");
        using var backoff = new MetricCollector<double>(meterFactory, "HMetrics.Hosting", "hmetrics.backoff.delay");

        var first = await host.StartAndDeliverFirstReportAsync(server);

        Assert.Equal(1, sent.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(first.Body.Length, Assert.Single(payload.GetMeasurementSnapshot()).Value);
        Assert.Single(duration.GetMeasurementSnapshot());

        // A 503 that asks for 7 s: the retry really goes after the delay the gauge shows (a Retry-After wins over the
        // retry budget, which would otherwise hold the retry until the next tick).
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable, "7");
        host.Time.Advance(TimeSpan.FromSeconds(20));
        _ = await server.NextAsync();
        await host.WaitForLogAsync("ReportFailed");

        var failure = Assert.Single(failed.GetMeasurementSnapshot());
        Assert.Equal(1, failure.Value);
        Assert.Equal("http_5xx", failure.Tags["hmetrics.failure.reason"]);
        backoff.RecordObservableInstruments();
        Assert.Equal(7.0, backoff.LastMeasurement!.Value);

        server.RespondWithStatus(HttpStatusCode.OK);
        await host.Time.WaitForTimerAsync(TimeSpan.FromSeconds(7));
        host.Time.Advance(TimeSpan.FromSeconds(7));
        _ = await server.NextAsync();
        await host.WaitForLogAsync("Recovered");

        Assert.Equal(2, sent.GetMeasurementSnapshot().EvaluateAsCounter());
        backoff.RecordObservableInstruments();
        Assert.Equal(0.0, backoff.LastMeasurement!.Value);
    }

    [Theory]
    [InlineData(HttpStatusCode.TemporaryRedirect, "http_3xx")]
    [InlineData(HttpStatusCode.BadRequest, "http_4xx")]
    [InlineData(HttpStatusCode.TooManyRequests, "http_4xx")]
    [InlineData(HttpStatusCode.BadGateway, "http_5xx")]
    [InlineData((HttpStatusCode)199, "http_other")]
    public void Failure_reasons_are_status_classes(HttpStatusCode status, string reason) =>
        Assert.Equal(reason, HerokuMetricsInstruments.ReasonFor(status));
}
