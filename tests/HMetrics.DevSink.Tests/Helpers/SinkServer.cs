using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HMetrics.DevSink;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HMetrics.DevSink.Tests.Helpers;

/// <summary>The dev sink on its own, on real Kestrel at 127.0.0.1 with an ephemeral port, on fake time.</summary>
internal sealed class SinkServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SinkServer(WebApplication app, TestTimeProvider time, HttpClient client)
    {
        _app = app;
        Time = time;
        Client = client;
    }

    public TestTimeProvider Time { get; }

    public HttpClient Client { get; }

    public static async Task<SinkServer> StartAsync(string prefix = "/")
    {
        var time = new TestTimeProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddHerokuMetricsDevSink();
        var app = builder.Build();
        app.MapHerokuMetricsDevSink(prefix);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        return new SinkServer(app, time, client);
    }

    public static string Stamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Posts a body as the reporter does: JSON content type, Measurements-Time now, the right count.</summary>
    public Task<HttpResponseMessage> PostAsync(string body, string path = "/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f", Action<HttpRequestMessage>? change = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Measurements-Time", Stamp(Time.GetUtcNow()));
        var count = CountOf(body);
        if (count is not null)
        {
            request.Headers.Add("Measurements-Count", count.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        change?.Invoke(request);
        return Client.SendAsync(request);
    }

    public async Task<JsonElement> DataAsync(string? dyno = null)
    {
        var url = "api/data" + (dyno is null ? string.Empty : "?dyno=" + Uri.EscapeDataString(dyno));
        using var document = JsonDocument.Parse(await Client.GetStringAsync(url));
        return document.RootElement.Clone();
    }

    public async Task<int> ReportCountAsync(string dyno = "/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f") =>
        (await DataAsync(dyno)).GetProperty("reports").GetArrayLength();

    public Task<HttpResponseMessage> SetFaultsAsync(object settings) => Client.PutAsJsonAsync("api/faults", settings);

    public ReportStore Store => _app.Services.GetRequiredService<ReportStore>();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // The number of metrics in a well-formed body, or null when it is not one (the test then sets no header).
    private static int? CountOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var count = 0;
            foreach (var member in document.RootElement.EnumerateObject())
            {
                count += member.Value.ValueKind == JsonValueKind.Object ? member.Value.EnumerateObject().Count() : 0;
            }

            return count;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
