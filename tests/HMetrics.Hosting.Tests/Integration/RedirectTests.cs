using System.Net;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace HMetrics.Hosting.Tests.Integration;

/// <summary>
/// Issue 9, observation 4: a primary handler wrapped in the app's own delegating handler used to follow redirects (its
/// inner SocketsHttpHandler has AllowAutoRedirect on by default) and the library logged the report as delivered.
/// </summary>
public sealed class RedirectTests
{
    [Theory]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    [InlineData(HttpStatusCode.PermanentRedirect)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData(HttpStatusCode.Found)]
    public async Task A_redirect_is_never_followed_through_a_wrapped_primary_handler_and_counts_as_a_failure(HttpStatusCode status)
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var elsewhere = await HerokuLikeServer.StartAsync();
        endpoint.RespondWithRedirect(elsewhere.Url("/collect"), status);
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(endpoint, ("HerokuMetrics:FlushOnShutdown", "false")),
            services => services.AddHerokuMetrics().ConfigurePrimaryHttpMessageHandler(() => new PassThrough(new SocketsHttpHandler())));

        await host.StartAndSendFirstReportAsync();
        _ = await endpoint.NextAsync();
        var failed = await host.WaitForLogAsync("ReportFailed");
        await host.Host.StopAsync();

        Assert.Contains($"status {(int)status}", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, elsewhere.RequestCount);
        Assert.Empty(host.Records("ReportDelivered"));
    }

    [Fact]
    public async Task A_primary_handler_of_unknown_type_that_follows_a_redirect_is_not_counted_as_delivered()
    {
        await using var endpoint = await HerokuLikeServer.StartAsync();
        await using var elsewhere = await HerokuLikeServer.StartAsync();
        endpoint.RespondWithRedirect(elsewhere.Url("/collect"), HttpStatusCode.TemporaryRedirect);
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(endpoint, ("HerokuMetrics:FlushOnShutdown", "false")),
            services => services.AddHerokuMetrics().ConfigurePrimaryHttpMessageHandler(() => new FollowingHandler()));

        await host.StartAndSendFirstReportAsync();
        var failed = await host.WaitForLogAsync("ReportFailed");
        await host.Host.StopAsync();

        Assert.Contains("redirect", failed.Message, StringComparison.Ordinal);
        Assert.Empty(host.Records("ReportDelivered"));
    }

    [Fact]
    public void The_hardening_reaches_a_sockets_handler_however_deep_it_is_wrapped()
    {
        var sockets = new SocketsHttpHandler();
        var chain = new PassThrough(new PassThrough(sockets));

        PrimaryHandlerHardening.Apply(chain);

        Assert.False(sockets.AllowAutoRedirect);
        Assert.Null(sockets.ActivityHeadersPropagator);
    }

    private sealed class PassThrough(HttpMessageHandler inner) : DelegatingHandler(inner);

    /// <summary>A handler of the app's own type that follows redirects itself, which no setting can turn off.</summary>
    private sealed class FollowingHandler : DelegatingHandler
    {
        public FollowingHandler()
            : base(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode is 307 && response.Headers.Location is { } location)
            {
                response.Dispose();
                using var again = new HttpRequestMessage(request.Method, location) { Content = request.Content };
                return await base.SendAsync(again, cancellationToken);
            }

            return response;
        }
    }
}
