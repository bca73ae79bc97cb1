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
    public void A_backfilled_outage_is_kept_in_the_order_it_was_measured_not_the_order_it_arrived()
    {
        // After an outage the reporter delivers late: here the live report (12:05) arrives first, then two reports
        // measured during the outage (12:01, 12:03) arrive out of order, each with its own Measurements-Time.
        var time = new TestTimeProvider();
        var store = new ReportStore(Options.Create(new DevSinkOptions()), time);
        var start = time.GetUtcNow();
        time.Advance(TimeSpan.FromMinutes(5));

        var live = store.Add("/a", Measured(5, start.AddMinutes(5)));
        var second = store.Add("/a", Measured(3, start.AddMinutes(3)));
        var first = store.Add("/a", Measured(1, start.AddMinutes(1)));
        var same = store.Add("/a", Measured(4, start.AddMinutes(3)));

        var kept = store.Reports("/a");
        Assert.Equal([1d, 3d, 4d, 5d], kept.Select(static r => r.Counters["go.gc.collections"]));
        Assert.Equal([start.AddMinutes(1), start.AddMinutes(3), start.AddMinutes(3), start.AddMinutes(5)], kept.Select(static r => r.MeasuredAt));
        Assert.True(live.Sequence < second.Sequence && second.Sequence < first.Sequence && first.Sequence < same.Sequence, "sequence is the order of arrival");

        // The page asks for what arrived since the last sequence it saw: still in measured order.
        Assert.Equal([first.Sequence, same.Sequence], store.Reports("/a", since: second.Sequence).Select(static r => r.Sequence));
    }

    [Fact]
    public void The_cap_and_the_retention_drop_the_oldest_measured_report_first()
    {
        var time = new TestTimeProvider();
        var store = new ReportStore(Options.Create(new DevSinkOptions { MaxReportsPerDyno = 2, Retention = TimeSpan.FromMinutes(10) }), time);
        var start = time.GetUtcNow();
        time.Advance(TimeSpan.FromMinutes(4));
        store.Add("/a", Measured(3, start.AddMinutes(3)));
        store.Add("/a", Measured(1, start.AddMinutes(1)));
        store.Add("/a", Measured(2, start.AddMinutes(2)));

        Assert.Equal([2d, 3d], store.Reports("/a").Select(static r => r.Counters["go.gc.collections"]));

        time.Advance(TimeSpan.FromMinutes(8) + TimeSpan.FromSeconds(30));
        Assert.Equal([3d], store.Reports("/a").Select(static r => r.Counters["go.gc.collections"]));
    }

    private static ParsedReport Measured(double value, DateTimeOffset at) =>
        new(new Dictionary<string, double> { ["go.gc.collections"] = value }, [], at, 1);

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
