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

        // Units and legend: the last heap value in MB, the pause in ms.
        Assert.Contains("heap: 7 MB", dom, StringComparison.Ordinal);
        Assert.Contains("pause: 0.7 ms", dom, StringComparison.Ordinal);
        Assert.Contains("12:02:00", dom, StringComparison.Ordinal);
        Assert.Contains("counters.go.gc.collections is a JSON string", dom, StringComparison.Ordinal);

        // The default Go schema reads as complete: the four Dashboard charts that have data, titled in words, no empty
        // card (no "GC Goal"), no greyed legend entries, and one line saying what is not there and why.
        Assert.Equal(["GC Collections", "GC Pause Time", "Memory", "Goroutines / Threads"], Chromium.ChartTitles(dom));
        Assert.DoesNotContain("not posted)", dom, StringComparison.Ordinal);
        Assert.Equal(
            ["go.gc.collections", "go.gc.pause.ns", "go.memory.heap.bytes", "go.routines"],
            Chromium.LegendMetrics(dom));
        var note = Chromium.NotPostedLine(dom);
        Assert.StartsWith("Not in these reports: Go’s GC goal, heap objects and stack memory (.NET has no reading for them", note, StringComparison.Ordinal);
        Assert.Contains("posted with HerokuMetrics:Schema = Both or DotNet", note, StringComparison.Ordinal);

        // The first view spans the data: the first report at the left edge of the plot, the last at the right, no
        // stretch of empty axis before the first report.
        foreach (var line in lines)
        {
            Assert.InRange(line.Points[0].X, Chromium.PlotLeft, Chromium.PlotLeft + (0.03 * Chromium.PlotWidth));
            Assert.InRange(line.Points[^1].X, Chromium.PlotRight - (0.03 * Chromium.PlotWidth), Chromium.PlotRight);
        }
    }

    [Fact]
    public async Task A_backfilled_outage_is_drawn_in_the_order_it_was_measured()
    {
        await using var sink = await SinkServer.StartAsync();
        var now = sink.Time.GetUtcNow();

        // The live report arrives first; the outage's reports follow, late and out of order, with their own times.
        foreach (var (routines, age) in new[] { (50, 0), (20, 180), (10, 240), (40, 60), (30, 120) })
        {
            var body = $$$"""{"counters":{},"gauges":{"go.routines":{{{routines}}}}}""";
            (await sink.PostAsync(body, change: r =>
            {
                r.Headers.Remove("Measurements-Time");
                r.Headers.Add("Measurements-Time", SinkServer.Stamp(now.AddSeconds(-age)));
            })).EnsureSuccessStatusCode();
        }

        var dom = await Chromium.DumpDomAsync(new Uri(sink.Client.BaseAddress!, "/"));

        // 10, 20, 30, 40, 50 from left to right: x grows and y (downwards in SVG) shrinks at every step.
        var points = Assert.Single(Chromium.Polylines(dom), static l => l.Metric == "go.routines").Points;
        Assert.Equal(5, points.Count);
        for (var i = 1; i < points.Count; i++)
        {
            Assert.True(points[i].X > points[i - 1].X, $"point {i} is left of point {i - 1}");
            Assert.True(points[i].Y < points[i - 1].Y, $"point {i} is not above point {i - 1}");
        }
    }

    [Fact]
    public async Task The_web_app_charts_its_own_reports_including_the_dotnet_names()
    {
        await using var app = new SampleApp();
        using var client = app.Start();
        _ = await app.WaitForChartsUrlAsync();
        var interval = TimeSpan.FromSeconds(5);
        // The first sample is due at a random phase within the first interval; the rest follow one interval apart.
        var firstDue = await app.Time.NextTimerAsync(due => due > TimeSpan.Zero && due <= interval);
        for (var i = 1; i <= 4; i++)
        {
            app.Time.Advance(i == 1 ? firstDue : interval);
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

        // Both schemas: every chart is titled in words (no raw metric name as a title), none of them is empty.
        var titles = Chromium.ChartTitles(dom);
        Assert.Contains("JIT Compilation Time", titles);
        Assert.Contains("Loaded Assemblies", titles);
        Assert.All(titles, static t => Assert.DoesNotContain('.', t));
        Assert.DoesNotContain("data-chart=\"metric-", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("GC Goal", titles);
        Assert.Equal(
            "Not in these reports: Go’s GC goal, heap objects and stack memory (.NET has no reading for them, so HMetrics.Hosting never posts them).",
            Chromium.NotPostedLine(dom));

        // go.routines and dotnet.thread_pool.thread.count both read ThreadPool.ThreadCount, so they are drawn one on top
        // of the other: each must still be visible, by its dash pattern, width and marker shape.
        var routines = Chromium.PolylineTag(dom, "go.routines");
        var threads = Chromium.PolylineTag(dom, "dotnet.thread_pool.thread.count");
        Assert.Equal(lines.Single(static l => l.Metric == "go.routines").Points, lines.Single(static l => l.Metric == "dotnet.thread_pool.thread.count").Points);
        Assert.NotEqual(Chromium.Attribute(routines, "stroke"), Chromium.Attribute(threads, "stroke"));
        Assert.NotEqual(Chromium.Attribute(routines, "stroke-dasharray") ?? "solid", Chromium.Attribute(threads, "stroke-dasharray") ?? "solid");
        Assert.True(
            double.Parse(Chromium.Attribute(routines, "stroke-width")!, System.Globalization.CultureInfo.InvariantCulture)
            > double.Parse(Chromium.Attribute(threads, "stroke-width")!, System.Globalization.CultureInfo.InvariantCulture),
            "the line drawn first must be wider, so the dashed one on top does not hide it");
        Assert.NotEqual(Chromium.MarkerShape(dom, "go.routines"), Chromium.MarkerShape(dom, "dotnet.thread_pool.thread.count"));
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
