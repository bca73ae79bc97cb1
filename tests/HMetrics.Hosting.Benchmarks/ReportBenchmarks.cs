using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

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
    private readonly Reporting.Sampling.Sample _sample = new();
    private RuntimeReader _reader = null!;
    private MetricsEndpoint _endpoint = null!;
    private Reporting.SelfObservation.HerokuMetricsInstruments _instruments = null!;
    private Reporting.Delivery.SampleSender _sender = null!;
    private Options.ReporterSettings _settings = null!;
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
        _reader = new RuntimeReader(new ProcessCounterLedger());
        _endpoint = MetricsEndpoint.Parse(_sink.Url.ToString());
        _userAgent = new HerokuMetricsOptions().UserAgent;
        _ = Options.ReporterSettings.TryCreate(new HerokuMetricsOptions { Endpoint = _sink.Url.ToString() }, null, out var settings);
        _settings = settings!;
        _instruments = new Reporting.SelfObservation.HerokuMetricsInstruments(null);
        var clients = new HerokuMetricsClientSource(
            _services,
            _services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.Extensions.Http.HttpClientFactoryOptions>>(),
            TimeProvider.System,
            Boundary.SafeLogger.None);
        _sender = new Reporting.Delivery.SampleSender(clients, TimeProvider.System, _instruments, Boundary.SafeLogger.None);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _reader.Dispose();
        _sender.Dispose();
        _instruments.Dispose();
        await _services.DisposeAsync();
        await _sink.DisposeAsync();
    }

    /// <summary>What the reporter does for one report: the sampler's read, then the sender's write and POST.</summary>
    [Benchmark(Description = "ours: full report, Go schema")]
    public async Task<int> Ours()
    {
        _sample.Schema = HerokuMetricsSchema.Go;
        _sample.MeasuredAt = TimeProvider.System.GetUtcNow();
        _reader.Read(HerokuMetricsSchema.Go, _sample.Counters, _sample.Gauges);
        var result = await _sender.SendAsync(_sample, _settings, _settings.HttpTimeout, CancellationToken.None);
        return result.Metrics;
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
