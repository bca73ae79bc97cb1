using System.Text;
using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Harness;
using HMetrics.Hosting.Tests.Chaos.Invariants;

namespace HMetrics.Hosting.Tests.Chaos;

/// <summary>Each invariant fails on evidence that breaks it and passes on evidence that does not: none of them can pass regardless.</summary>
public sealed class InvariantTests
{
    private static readonly DateTimeOffset _start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly ChaosScenario _scenario = ScenarioGenerator.Generate(1, new HashSet<Dimension>()) with { Logging = null };

    [Fact]
    public void A_sample_accepted_twice_fails_unless_the_library_never_got_the_first_answer()
    {
        var twice = Run(
            attempts: [Attempt("A1-1", "200", success: true, at: 20), Attempt("A1-2", "200", success: true, at: 21)],
            receipts: [Accepted("A1-1", 20, Body(1)), Accepted("A1-2", 20, Body(1))]);
        var afterTimeout = twice with { Attempts = [Attempt("A1-1", "TaskCanceledException", success: false, at: 20), Attempt("A1-2", "200", success: true, at: 21)] };

        Assert.Single(new NoSampleTwice().Check(twice));
        Assert.Empty(new NoSampleTwice().Check(afterTimeout));
    }

    [Fact]
    public void A_sample_sent_more_than_four_minutes_after_it_was_taken_fails()
    {
        var onTime = Run(attempts: [Attempt("A1-1", "200", success: true, at: 239, stampedAt: 0)], receipts: []);
        var late = Run(attempts: [Attempt("A1-1", "200", success: true, at: 241, stampedAt: 0)], receipts: []);

        Assert.Empty(new NoSamplePastWindow().Check(onTime));
        Assert.Single(new NoSamplePastWindow().Check(late));
    }

    [Fact]
    public void Counts_must_match_exactly_after_clean_stops_and_may_only_fall_short_otherwise()
    {
        var exact = Run(attempts: [], receipts: [Accepted("A1-1", 20, Body(3)), Accepted("A1-2", 40, Body(2))], collectionsDuringRun: 5);
        var doubled = exact with { Receipts = [.. exact.Receipts, Accepted("B1-1", 20, Body(4))] };
        var short_ = exact with { Receipts = [exact.Receipts[0]] };
        var cutShort = short_ with { Stalls = ["a stall"] };

        Assert.Empty(new CountsMatchTheProcess().Check(exact));
        Assert.NotEmpty(new CountsMatchTheProcess().Check(doubled));
        Assert.NotEmpty(new CountsMatchTheProcess().Check(short_));
        Assert.Empty(new CountsMatchTheProcess().Check(cutShort));
        Assert.NotEmpty(new CountsMatchTheProcess().Check(doubled with { Stalls = ["a stall"] }));
    }

    [Fact]
    public void Counts_of_a_sample_accepted_unseen_may_arrive_once_more_carried_but_no_other_count_may()
    {
        // The endpoint took the sample of 20 s but the library saw a timeout; the sample expired and its 3 collections
        // were carried into the sample of 40 s (a different body): at least once, as documented.
        var carried = Run(
            attempts: [Attempt("A1-1", "TaskCanceledException", success: false, at: 20), Attempt("A1-2", "200", success: true, at: 40, stampedAt: 40)],
            receipts: [Accepted("A1-1", 20, Body(3)), Accepted("A1-2", 40, Body(5))],
            collectionsDuringRun: 5) with { Stalls = ["not a clean stop"] };
        var seen = carried with { Attempts = [Attempt("A1-1", "200", success: true, at: 20), carried.Attempts[1]] };
        var more = carried with { Receipts = [carried.Receipts[0], Accepted("A1-2", 40, Body(6))] };

        Assert.Empty(new CountsMatchTheProcess().Check(carried));
        Assert.NotEmpty(new CountsMatchTheProcess().Check(seen));
        Assert.NotEmpty(new CountsMatchTheProcess().Check(more));
    }

    [Fact]
    public void A_sample_whose_generations_do_not_add_up_fails()
    {
        var body = Encoding.UTF8.GetBytes("""{"counters":{"go.gc.collections":3,"dotnet.gc.collections.gen0":1,"dotnet.gc.collections.gen1":0,"dotnet.gc.collections.gen2":0},"gauges":{}}""");

        Assert.Single(new SamplesAddUp().Check(Run(attempts: [], receipts: [Accepted("A1-1", 20, body)])));
        Assert.Empty(new SamplesAddUp().Check(Run(attempts: [], receipts: [Accepted("A1-1", 20, Body(3))])));
    }

    [Fact]
    public void A_secret_in_any_log_record_fails_whatever_its_case()
    {
        var line = new LogLine(Microsoft.Extensions.Logging.LogLevel.Warning, "HMetrics.Hosting", "ReportFailed", "failed: proxy 'http://" + _scenario.ProxyUser.ToUpperInvariant() + "@host'", null, []);
        var run = Run(attempts: [], receipts: []) with { Hosts = [Host(line)] };

        Assert.Single(new NoSecretInOutput().Check(run));
        Assert.Empty(new NoSecretInOutput().Check(run with { Hosts = [Host(line with { Message = "failed: proxy 'http://redacted@host'" })] }));
    }

    [Fact]
    public void A_stop_past_the_bound_fails()
    {
        var run = Run(attempts: [], receipts: []);

        Assert.Single(new StopsWithinBound().Check(run with { Hosts = [Host() with { StopDuration = StopsWithinBound.Bound + TimeSpan.FromSeconds(1) }] }));
        Assert.Empty(new StopsWithinBound().Check(run with { Hosts = [Host() with { StopDuration = TimeSpan.FromMilliseconds(20) }] }));
    }

    [Fact]
    public void A_disposed_host_still_alive_past_the_bound_fails_and_one_let_go_does_not()
    {
        var held = new object();
        var released = new DisposedHostsReleased();
        released.Add(7, [("A1", new WeakReference(held)), ("B1", Unreachable())], TimeSpan.Zero);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Empty(released.Check(DisposedHostsReleased.Bound - TimeSpan.FromTicks(1)));
        var leaked = released.Check(DisposedHostsReleased.Bound);
        Assert.Equal(7, Assert.Single(leaked).Seed);
        Assert.Contains("A1", leaked[0].Violation, StringComparison.Ordinal);
        Assert.DoesNotContain("B1", leaked[0].Violation, StringComparison.Ordinal);
        Assert.Equal(2, released.Checked);
        GC.KeepAlive(held);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference Unreachable() => new(new object());

    private static RunEvidence Run(Attempt[] attempts, Receipt[] receipts, long collectionsDuringRun = 0) => new(
        _scenario,
        [],
        receipts,
        attempts,
        [new WallClockSegment(TimeSpan.Zero, TimeSpan.Zero)],
        _start,
        new CounterBracket(new ProcessReading(100, 0), new ProcessReading(100, 0)),
        new CounterBracket(new ProcessReading(100 + collectionsDuringRun, 0), new ProcessReading(100 + collectionsDuringRun, 0)),
        [],
        [],
        [],
        [],
        []);

    private static Attempt Attempt(string id, string outcome, bool success, double at, double stampedAt = 20) =>
        new(id, id[..2], Stamp(stampedAt), TimeSpan.FromSeconds(at)) { Outcome = outcome, LibrarySawSuccess = success, Ended = true };

    private static Receipt Accepted(string attempt, double stampedAt, byte[] body) =>
        new(attempt, attempt[..2], Stamp(stampedAt), body, TimeSpan.FromSeconds(stampedAt)) { Status = 200 };

    private static HostEvidence Host(params LogLine[] logs) =>
        new("A1", _scenario.Hosts[0], logs, [], TimeSpan.FromMilliseconds(10), null, 0, 0, [], Activated: true);

    private static byte[] Body(int collections) =>
        Encoding.UTF8.GetBytes(
            "{\"counters\":{\"go.gc.collections\":" + collections + ",\"dotnet.gc.collections.gen0\":" + collections +
            ",\"dotnet.gc.collections.gen1\":0,\"dotnet.gc.collections.gen2\":0},\"gauges\":{}}");

    private static string Stamp(double seconds) => Helpers.Timeline.At(seconds);
}
