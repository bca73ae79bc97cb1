using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using static HMetrics.Hosting.Tests.Adversity.Adversity;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>
/// Issue 18, "Process abort": an app's own <see cref="MeterListener"/> on the <c>HMetrics.Hosting</c> meter whose
/// callback throws. Instruments run their listeners inline, so the throw came out of <c>Counter.Add</c> on the sampler's
/// timer (a sample pushed out of a full backlog during an outage) and aborted the process. Telemetry never decides
/// delivery: with the listener, the endpoint sees exactly the requests it sees without one.
/// </summary>
public sealed class ThrowingMeterListenerTests
{
    private const string Sent = "hmetrics.reports.sent";
    private const string Failed = "hmetrics.reports.failed";
    private const string Dropped = "hmetrics.samples.dropped";

    // Below the interval, so each attempt arms its own timer, and unlike any backoff (5, 10 … 160 s) or pacing gap.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_listener_whose_measurement_callback_throws_costs_no_sample_through_an_outage_and_the_recovery()
    {
        var control = await RunOutageAsync(_ => null);
        var thrown = new ConcurrentDictionary<string, int>();

        var hostile = await RunOutageAsync(host => Listen(host, thrown, throwOnPublish: false));

        Assert.Equal(control.Requests, hostile.Requests);
        Assert.Equal(control.Dropped, hostile.Dropped);
        foreach (var instrument in new[] { Sent, Failed, Dropped, "hmetrics.report.duration", "hmetrics.report.payload.size" })
        {
            Assert.True(thrown.GetValueOrDefault(instrument) > 0, $"the listener never threw for {instrument}: {string.Join(", ", thrown)}");
        }

        AssertEverySampleAccountedForOnce(hostile);
    }

    [Fact]
    public async Task A_listener_whose_instrument_published_callback_throws_costs_no_sample_either()
    {
        var control = await RunOutageAsync(_ => null);
        var thrown = new ConcurrentDictionary<string, int>();

        var hostile = await RunOutageAsync(host => Listen(host, thrown, throwOnPublish: true));

        Assert.Equal(control.Requests, hostile.Requests);
        Assert.Equal(control.Dropped, hostile.Dropped);
        Assert.True(thrown.GetValueOrDefault("published") > 0, "the listener was never told of an instrument");
        AssertEverySampleAccountedForOnce(hostile);
    }

    // What the control run must show for the comparison to mean anything: drops from both the sampler's timer (a full
    // backlog) and delivery (expiry), reports after the recovery, each sample delivered or dropped exactly once.
    private static void AssertEverySampleAccountedForOnce(OutageRun run)
    {
        var delivered = run.Requests.Where(r => r.Status == 200).Select(r => r.MeasuredAt).ToList();
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.Equal(run.SamplesTaken, delivered.Count + run.Dropped);
        Assert.True(run.Dropped >= 6, $"only {run.Dropped} samples were dropped");
        Assert.True(run.Requests.SkipWhile(r => r.Status != 503).Count(r => r.Status == 200) >= 5, "too few reports after the recovery");
        Assert.Equal(0, run.Unexpected);
    }

    private static MeterListener Listen(MetricsHost host, ConcurrentDictionary<string, int> thrown, bool throwOnPublish)
    {
        // Only this host's HMetrics.Hosting meter: the listener is process-wide, other tests' hosts must not feel it, and
        // the runtime's own System.Net.Http meter (made by the same factory) is not what the issue is about.
        var ours = host.Host.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter.Scope != ours || instrument.Meter.Name != "HMetrics.Hosting")
                {
                    return;
                }

                if (throwOnPublish)
                {
                    _ = thrown.AddOrUpdate("published", 1, static (_, n) => n + 1);
                    throw new InvalidOperationException("the app's telemetry is broken");
                }

                meterListener.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => Throw(thrown, instrument));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => Throw(thrown, instrument));
        listener.Start();
        return listener;
    }

    private static void Throw(ConcurrentDictionary<string, int> thrown, Instrument instrument)
    {
        _ = thrown.AddOrUpdate(instrument.Name, 1, static (_, n) => n + 1);
        throw new InvalidOperationException("the app's telemetry is broken");
    }

    /// <summary>
    /// One host on fake time: a report at 20 s, then the endpoint fails from 40 s while Polly backs off 5, 10 … 160 s,
    /// each retry at the later of Polly's delay and the next sampling tick (the retry budget): 60, 80, 100, 140, 220 s.
    /// During the 160-second wait the full backlog pushes out samples on the sampler's timer; the recovery at 380 s
    /// expires more on delivery's task. Five samples drain at their pace, then the host stops and flushes the rest.
    /// </summary>
    private static async Task<OutageRun> RunOutageAsync(Func<MetricsHost, MeterListener?> listen)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(Settings(server.Url(), ("HerokuMetrics:HttpTimeout", "00:00:15")));
        var answer = (int)HttpStatusCode.OK;
        var requests = new ConcurrentQueue<Answered>();
        server.RespondWith((context, report) =>
        {
            var status = Volatile.Read(ref answer);
            requests.Enqueue(new Answered(report.Header("Measurements-Time")!, status));
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        });
        using var listener = listen(host);

        _ = await host.StartAndDeliverFirstReportAsync(server);
        Volatile.Write(ref answer, (int)HttpStatusCode.ServiceUnavailable);
        host.Time.AdvanceTo(Interval * 2, Interval);
        while (true)
        {
            _ = await server.NextAsync();
            var delay = await host.Time.NextTimerAsync(d => d != Timeout);
            var retryAt = host.Time.UnpaidRetryAt(delay, Interval);
            if (delay == TimeSpan.FromSeconds(160))
            {
                Volatile.Write(ref answer, (int)HttpStatusCode.OK);
                host.Time.AdvanceTo(retryAt, Interval);
                break;
            }

            host.Time.AdvanceTo(retryAt, Interval);
        }

        _ = await server.NextAsync();
        await host.WaitForLogAsync("Recovered");
        for (var drained = 1; drained <= 5; drained++)
        {
            var gap = await host.Time.NextTimerAsync(d => d != Timeout);
            host.Time.AdvanceTo(host.Time.Elapsed + gap, Interval);
            _ = await server.NextAsync();
            await host.WaitForLogAsync("ReportDelivered", 2 + drained);
        }

        var stoppedAt = host.Time.Elapsed;
        await host.Host.StopAsync();
        await host.WaitForLogAsync("Flushed");
        AssertHealthy(host);

        return new OutageRun(
            [.. requests],
            host.Host.Services.GetRequiredService<IHerokuMetricsStatusProvider>().Current.DroppedSamples,
            SamplesTaken: (int)(stoppedAt / Interval) + 1,
            Unexpected: Count(host, "UnexpectedError") + Count(host, "SamplingFailed"));
    }

    private sealed record Answered(string MeasuredAt, int Status)
    {
        public override string ToString() => MeasuredAt + " " + Status.ToString(CultureInfo.InvariantCulture);
    }

    private sealed record OutageRun(IReadOnlyList<Answered> Requests, long Dropped, int SamplesTaken, int Unexpected);
}
