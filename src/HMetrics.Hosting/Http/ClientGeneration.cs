namespace HMetrics.Hosting.Http;

/// <summary>
/// One handler lifetime's typed client and what it owns: the <see cref="HttpClient"/>, the handler chain and the
/// dependency-injection scope the chain's handlers were resolved from.
/// </summary>
internal sealed class ClientGeneration(
    HerokuMetricsClient client,
    HttpClient httpClient,
    HttpMessageHandler chain,
    IDisposable? scope,
    long createdAt,
    TimeSpan lifetime) : IDisposable
{
    public HerokuMetricsClient Client { get; } = client;

    public HttpMessageHandler Chain { get; } = chain;

    /// <summary>Gets whether the handler lifetime has elapsed at <paramref name="time"/>'s current timestamp.</summary>
    public bool HasExpired(TimeProvider time) =>
        lifetime != Timeout.InfiniteTimeSpan && time.GetElapsedTime(createdAt) >= lifetime;

    public void Dispose()
    {
        httpClient.Dispose();

        // Disposes every handler of the chain, the primary handler and its connections included, as the factory does
        // with an expired handler.
        Chain.Dispose();
        scope?.Dispose();
    }
}
