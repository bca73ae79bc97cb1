using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Options;

namespace HMetrics.DevSink.Tests;

/// <summary>The store keeps the last hour per dyno and stays bounded.</summary>
public sealed class ReportStoreTests
{
    private static ParsedReport Report(double value) =>
        new(new Dictionary<string, double> { ["go.gc.collections"] = value }, [], null, 1);

    [Fact]
    public void Reports_older_than_the_retention_are_dropped()
    {
        var time = new TestTimeProvider();
        var store = new ReportStore(Options.Create(new DevSinkOptions()), time);
        store.Add("/a", Report(1));
        time.Advance(TimeSpan.FromMinutes(30));
        store.Add("/a", Report(2));

        time.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));

        var kept = Assert.Single(store.Reports("/a"));
        Assert.Equal(2, kept.Counters["go.gc.collections"]);

        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(store.Reports("/a"));
        Assert.Empty(store.Dynos());
    }

    [Fact]
    public void Each_dyno_keeps_at_most_the_configured_number_of_reports_newest_last()
    {
        var time = new TestTimeProvider();
        var store = new ReportStore(Options.Create(new DevSinkOptions { MaxReportsPerDyno = 3 }), time);

        for (var i = 1; i <= 5; i++)
        {
            store.Add("/a", Report(i));
        }

        Assert.Equal([3d, 4d, 5d], store.Reports("/a").Select(static r => r.Counters["go.gc.collections"]));
    }

    [Fact]
    public void The_dyno_heard_from_least_recently_is_dropped_past_the_limit()
    {
        var time = new TestTimeProvider();
        var store = new ReportStore(Options.Create(new DevSinkOptions { MaxDynos = 2 }), time);
        store.Add("/a", Report(1));
        time.Advance(TimeSpan.FromSeconds(1));
        store.Add("/b", Report(1));
        time.Advance(TimeSpan.FromSeconds(1));
        store.Add("/a", Report(2));
        time.Advance(TimeSpan.FromSeconds(1));

        store.Add("/c", Report(1));

        Assert.Equal(["/c", "/a"], store.Dynos().Select(static d => d.Dyno));
    }

    [Fact]
    public void Reports_since_a_sequence_are_only_the_newer_ones()
    {
        var store = new ReportStore(Options.Create(new DevSinkOptions()), new TestTimeProvider());
        var first = store.Add("/a", Report(1));
        store.Add("/b", Report(1));
        store.Add("/a", Report(2));

        var newer = Assert.Single(store.Reports("/a", since: first.Sequence));
        Assert.Equal(2, newer.Counters["go.gc.collections"]);
    }

    [Fact]
    public void The_request_log_is_bounded_and_newest_first()
    {
        var time = new TestTimeProvider();
        var store = new ReportStore(Options.Create(new DevSinkOptions { MaxRecentRequests = 2 }), time);
        for (var i = 0; i < 3; i++)
        {
            store.Record(new RequestRecord(time.GetUtcNow(), "/a", "POST", 200 + i, "x"));
        }

        Assert.Equal([202, 201], store.Requests(10).Select(static r => r.Status));
    }

    [Theory]
    [InlineData("go.gc.collections", true)]
    [InlineData("dotnet.gc.last_collection.heap.size.gen0", true)]
    [InlineData("a-b_c.d", true)]
    [InlineData("A1", true)]
    [InlineData("a..b", false)]
    [InlineData("a._b", false)]
    [InlineData("_a", false)]
    [InlineData("a.", false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void Names_follow_the_statsd_rule(string name, bool valid) =>
        Assert.Equal(valid, ReportValidator.IsValidName(name));
}
