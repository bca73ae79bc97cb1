using BenchmarkDotNet.Attributes;
using HMetrics.Hosting.Boundary;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// One whole report over loopback HTTP/1.1 to an in-process Kestrel sink. B/op is process-wide, so every row includes
/// what Kestrel allocates to receive the request; the floor row shows that part plus HttpClient's own minimum.
/// </summary>
[MemoryDiagnoser]
public class ReportBenchmarks
{
    private static readonly ReadOnlyMemory<byte> FloorBody = "{\"counters\":{},\"gauges\":{}}"u8.ToArray();

    private LoopbackSink _sink = null!;
    private ServiceProvider _services = null!;
    private IHttpClientFactory _factory = null!;
    private RuntimeMetricTable _metrics = null!;
    private RuntimeMetricsCollector _collector = null!;
    private MetricsEndpoint _endpoint = null!;
    private HerokuMetricsClientSource _clients = null!;
    private string _userAgent = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _sink = await LoopbackSink.StartAsync();

        // The library's own registration, and its typed client as the reporter makes it.
        var services = new ServiceCollection();
        _ = services.AddHerokuMetrics(o => o.Endpoint = _sink.Url.ToString());
        _services = services.BuildServiceProvider();
        _factory = _services.GetRequiredService<IHttpClientFactory>();
        _clients = new HerokuMetricsClientSource(
            _services, _services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>(), TimeProvider.System, SafeLogger.None);
        _metrics = new RuntimeMetricTable();
        _collector = new RuntimeMetricsCollector(_metrics.All);
        _endpoint = MetricsEndpoint.Parse(_sink.Url.ToString());
        _userAgent = new HerokuMetricsOptions().UserAgent;
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _metrics.Dispose();
        _clients.Dispose();
        await _services.DisposeAsync();
        await _sink.DisposeAsync();
    }

    /// <summary>What <c>HerokuMetricsReporter.ReportAsync</c> does for one report, minus disabled logging.</summary>
    [Benchmark(Description = "ours: full report, Go schema")]
    public async Task<int> Ours()
    {
        var body = _collector.Collect(HerokuMetricsSchema.Go, out var count);
        using var timeoutSource = new CancellationTokenSource(TimeSpan.FromSeconds(10), TimeProvider.System);
        using var linkedSource = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None, timeoutSource.Token);
        var client = _clients.Current;
        using var request = client.CreateRequest(_endpoint, body, count, _userAgent, TimeProvider.System.GetUtcNow());
        using var answer = await client.SendAsync(request, linkedSource.Token);
        var response = HerokuMetricsClient.Read(answer, _endpoint);
        if (!response.IsSuccess)
        {
            throw new InvalidOperationException("The sink refused a report.");
        }

        _collector.Acknowledge();
        return count;
    }

    [Benchmark(Baseline = true, Description = "naive: Dictionary+JsonSerializer+StringContent, Go schema")]
    public async Task<int> Naive()
    {
        using var request = NaiveReport.Request(_endpoint.RequestUri, HerokuMetricsSchema.Go, _userAgent);
        using var response = await _factory.CreateClient(HerokuMetricsClient.Name).SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>The least any report can cost through HttpClient: a fixed body, no headers of ours, no timeout.</summary>
    [Benchmark(Description = "floor: bare POST through the same client")]
    public async Task<int> Floor()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint.RequestUri) { Content = new ReadOnlyMemoryContent(FloorBody) };
        using var response = await _factory.CreateClient(HerokuMetricsClient.Name).SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (int)response.StatusCode;
    }
}
