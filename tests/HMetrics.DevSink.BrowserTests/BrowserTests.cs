using HMetrics.DevSink.Tests.Helpers;
using HMetrics.Sample.WebApp;

namespace HMetrics.DevSink.BrowserTests;

/// <summary>The chart page in a real headless Chromium: the charts must draw the points the sink received.</summary>
public sealed class BrowserTests
{
    [Fact]
    public async Task The_charts_draw_one_point_per_received_report_at_the_right_height()
    {
        await using var sink = await SinkServer.StartAsync();
        double[] collections = [3, 9, 1, 4, 7, 2, 5];
        for (var i = 0; i < collections.Length; i++)
        {
            var body = $$$"""{"counters":{"go.gc.collections":{{{collections[i]}}},"go.gc.pause.ns":{{{(i + 1) * 100_000}}}},"gauges":{"go.memory.heap.bytes":{{{(i + 1) * 1_048_576}}},"go.routines":{{{10 + i}}}}}""";
            (await sink.PostAsync(body)).EnsureSuccessStatusCode();
            sink.Time.Advance(TimeSpan.FromSeconds(20));
        }

        // A rejected report must not be drawn.
        (await sink.PostAsync("""{"counters":{"go.gc.collections":"many"}}""")).Dispose();

        var dom = await Chromium.DumpDomAsync(new Uri(sink.Client.BaseAddress!, "/"));
        var lines = Chromium.Polylines(dom);

        Assert.Contains("data-reports=\"7\"", dom, StringComparison.Ordinal);
        foreach (var metric in new[] { "go.gc.collections", "go.gc.pause.ns", "go.memory.heap.bytes", "go.routines" })
        {
            var line = Assert.Single(lines, l => l.Metric == metric);
            Assert.Equal(collections.Length, line.DeclaredPoints);
            Assert.Equal(collections.Length, line.Points.Count);

            // Time runs left to right.
            Assert.Equal(line.Points.OrderBy(static p => p.X), line.Points);
        }

        // SVG y grows downwards: the highest count is the highest point, the lowest the lowest.
        var gc = lines.Single(static l => l.Metric == "go.gc.collections").Points;
        Assert.Equal(Array.IndexOf(collections, collections.Max()), IndexOf(gc, gc.Min(static p => p.Y)));
        Assert.Equal(Array.IndexOf(collections, collections.Min()), IndexOf(gc, gc.Max(static p => p.Y)));

        // Units and legend: the last heap value in MB, the pause in ms, GC goal explained as not posted.
        Assert.Contains("heap: 7 MB", dom, StringComparison.Ordinal);
        Assert.Contains("pause: 0.7 ms", dom, StringComparison.Ordinal);
        Assert.Contains("goal (not posted)", dom, StringComparison.Ordinal);
        Assert.Contains("12:02:00", dom, StringComparison.Ordinal);
        Assert.Contains("counters.go.gc.collections is a JSON string", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_web_app_charts_its_own_reports_including_the_dotnet_names()
    {
        await using var app = new SampleApp();
        using var client = app.Start();
        _ = await app.WaitForChartsUrlAsync();
        var interval = TimeSpan.FromSeconds(5);
        await app.Time.WaitForTimerAsync(interval);
        for (var i = 1; i <= 4; i++)
        {
            app.Time.Advance(interval);
            await app.WaitForLogAsync("ReportDelivered", i);
        }

        var dom = await Chromium.DumpDomAsync(new Uri(app.BaseAddress, "/_hmetrics/"));
        var lines = Chromium.Polylines(dom);

        Assert.Contains("4 reports from /" + SelfReporting.DynoId, dom, StringComparison.Ordinal);
        foreach (var metric in new[] { "go.gc.collections", "go.memory.heap.bytes", "go.routines", "dotnet.gc.collections.gen0", "dotnet.thread_pool.thread.count", "dotnet.monitor.lock_contentions" })
        {
            var line = Assert.Single(lines, l => l.Metric == metric);
            Assert.Equal(4, line.DeclaredPoints);
            Assert.Equal(4, line.Points.Count);
        }
    }

    private static int IndexOf(IReadOnlyList<(double X, double Y)> points, double y)
    {
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].Y == y)
            {
                return i;
            }
        }

        return -1;
    }
}
