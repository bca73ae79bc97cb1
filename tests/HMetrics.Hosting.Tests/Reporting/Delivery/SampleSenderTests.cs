using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace HMetrics.Hosting.Tests.Reporting.Delivery;

/// <summary>One timeout source reused across attempts: a token cancelled between attempts must not fail the next one.</summary>
public sealed class SampleSenderTests
{
    /// <summary>Answers 200 unless the request's token is already cancelled, as a socket handler checks before sending.</summary>
    private sealed class TokenCheckingHandler : HttpMessageHandler
    {
        public int Sent { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Sent++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    [Fact]
    public async Task A_token_cancelled_while_no_attempt_is_in_flight_does_not_fail_the_next_attempt_under_another_token()
    {
        var handler = new TokenCheckingHandler();
        // The system clock on purpose (nothing waits on it): only its sources can be reset and reused, which is where
        // a source cancelled between attempts survived into the next one.
        var time = TimeProvider.System;
        using var services = new ServiceCollection().AddHttpClient(HerokuMetricsClient.Name).ConfigurePrimaryHttpMessageHandler(() => handler).Services
            .BuildServiceProvider();
        using var instruments = new HerokuMetricsInstruments(null);
        using var sender = new SampleSender(LibraryClient.Source(services, time), time, instruments, SafeLogger.None);
        Assert.True(ReporterSettings.TryCreate(new HerokuMetricsOptions { Endpoint = "http://127.0.0.1:9/metrics/x" }, null, out var settings));
        var sample = new Sample { MeasuredAt = time.GetUtcNow(), Schema = HerokuMetricsSchema.Go };

        // The reporting loop's token: an attempt under it, then it is cancelled while the loop waits (the host stops).
        using var loop = new CancellationTokenSource();
        Assert.Equal(HttpStatusCode.OK, (await sender.SendAsync(sample, settings!, settings!.HttpTimeout, loop.Token)).Status);
        await loop.CancelAsync();

        // The flush, under its own token, must really send: this used to fail at once as "no response within".
        using var flush = new CancellationTokenSource();
        Assert.Equal(HttpStatusCode.OK, (await sender.SendAsync(sample, settings!, settings!.HttpTimeout, flush.Token)).Status);
        Assert.Equal(2, handler.Sent);
    }
}
