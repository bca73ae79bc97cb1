using System.Runtime.CompilerServices;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>
/// Issue 18, item 6: <c>SamplingFailed</c> and <c>UnexpectedError</c> carry the exception as text with its stack trace,
/// scrubbed of every URL's user-info, so a maintainer can trace it from the log alone; and sampling goes on.
/// </summary>
/// <remarks>
/// Provoked through the public API: the app's own <see cref="TimeProvider"/>, whose wall clock fails when the sampler
/// stamps a sample, once (the sample is lost, <c>SamplingFailed</c>) or again while that failure is reported (the
/// timer's callback fails, <c>UnexpectedError</c> from the guard). <c>GuardTests</c> covers every other wrapper directly.
/// </remarks>
public sealed class MaintainerDiagnosticsTests
{
    private const string Password = "ntp-pa55w0rd";

    [Fact]
    public async Task A_sample_that_cannot_be_taken_is_logged_with_the_scrubbed_exception_and_its_stack_trace_and_sampling_goes_on()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var steady = new TestTimeProvider();
        var wall = new FailingWallClock(steady);
        await using var host = MetricsHost.Create(MetricsHost.Settings(server), services => services.AddSingleton<TimeProvider>(wall), steady);
        _ = await host.StartAndDeliverFirstReportAsync(server);

        wall.FailNext(1);
        host.Time.Advance(Seconds(20));
        var failed = await host.WaitForLogAsync("SamplingFailed");
        var report = await host.AdvanceToNextReportAsync(server, 2);

        AssertDescribes(failed, "Error");
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Equal(At(60), report.Header("Measurements-Time"));
        Assert.Empty(host.Records("UnexpectedError"));
    }

    [Fact]
    public async Task A_timer_callback_that_fails_is_logged_by_the_guard_with_the_scrubbed_exception_and_its_stack_trace_and_sampling_goes_on()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var steady = new TestTimeProvider();
        var wall = new FailingWallClock(steady);
        await using var host = MetricsHost.Create(MetricsHost.Settings(server), services => services.AddSingleton<TimeProvider>(wall), steady);
        _ = await host.StartAndDeliverFirstReportAsync(server);

        // The clock fails again while the lost sample is being reported: the failure leaves the sampler's callback.
        wall.FailNext(2);
        host.Time.Advance(Seconds(20));
        var unexpected = await host.WaitForLogAsync("UnexpectedError");
        var report = await host.AdvanceToNextReportAsync(server, 2);

        AssertDescribes(unexpected, "Error");
        Assert.Equal("a timer callback", unexpected.GetStructuredStateValue("Where"));
        Assert.Equal(At(60), report.Header("Measurements-Time"));
    }

    private static void AssertDescribes(FakeLogRecord record, string key)
    {
        var error = record.GetStructuredStateValue(key)!;
        Assert.StartsWith($"System.InvalidOperationException: the clock source http://redacted@ntp.example/ is unreachable", error, StringComparison.Ordinal);
        Assert.Contains("   at " + typeof(FailingWallClock).FullName!.Replace('+', '.') + "." + nameof(FailingWallClock.GetUtcNow) + "()", error, StringComparison.Ordinal);
        Assert.Contains("HMetrics.Hosting.Reporting.Sampling.Sampler.TryTake()", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, record.Message, StringComparison.Ordinal);
        Assert.Null(record.Exception);
    }

    /// <summary>The app's clock, whose wall time fails on demand; its steady clock and timers are the test's.</summary>
    private sealed class FailingWallClock(TestTimeProvider steady) : TimeProvider
    {
        private int _failures;

        public override long TimestampFrequency => steady.TimestampFrequency;

        public void FailNext(int calls) => Volatile.Write(ref _failures, calls);

        [MethodImpl(MethodImplOptions.NoInlining)]
        public override DateTimeOffset GetUtcNow() =>
            Interlocked.Decrement(ref _failures) >= 0
                ? throw new InvalidOperationException($"the clock source http://sync:{Password}@ntp.example/ is unreachable")
                : steady.GetUtcNow();

        public override long GetTimestamp() => steady.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            steady.CreateTimer(callback, state, dueTime, period);
    }
}
