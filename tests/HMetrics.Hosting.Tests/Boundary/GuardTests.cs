using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Moq;

namespace HMetrics.Hosting.Tests.Boundary;

/// <summary>
/// Each of the guard's wrappers contains a callback that throws, on the thread that runs it, and reports it once through
/// the logger it was given as <c>UnexpectedError</c>: the exception's text with its stack trace, scrubbed of every
/// URL's user-info. <see cref="Guard.Cancel"/> contains what other parties registered on a source the library owns.
/// </summary>
public sealed class GuardTests
{
    private const string Password = "s3cret-pa55";

    private readonly FakeLogger _logs = new();

    private SafeLogger Logger => new(_logs);

    [Fact]
    public void A_timer_callback_that_throws_is_reported_once_per_throw_and_the_timer_still_fires()
    {
        var time = new TestTimeProvider();
        using var timer = Guard.CreateTimer(time, static _ => Throw(), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan, Logger);

        time.Advance(TimeSpan.FromSeconds(1));
        AssertReportedOnce("a timer callback");

        _ = timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _logs.Collector.Count);
    }

    [Fact]
    public void A_cancellation_callback_that_throws_does_not_throw_into_whoever_cancels()
    {
        using var cts = new CancellationTokenSource();
        using var registration = Guard.Register(cts.Token, static _ => Throw(), null, Logger);

        cts.Cancel();

        AssertReportedOnce("a cancellation callback");
    }

    [Fact]
    public void An_options_listener_that_throws_does_not_throw_out_of_the_configuration_reload()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection().Build();
        using var services = new ServiceCollection().Configure<HerokuMetricsOptions>(configuration).BuildServiceProvider();
        var monitor = services.GetRequiredService<IOptionsMonitor<HerokuMetricsOptions>>();
        using var subscription = Guard.OnChange(monitor, static (_, _) => Throw(), Logger);

        configuration["PostInterval"] = "00:00:05";
        configuration.Reload();

        AssertReportedOnce("an options change");
        Assert.Equal(TimeSpan.FromSeconds(5), monitor.CurrentValue.PostInterval);
    }

    [Fact]
    public void A_monitor_that_refuses_the_subscription_is_reported_and_gives_none()
    {
        // Moq for the one member that must fail: a monitor of the app's that throws when subscribed to.
        var monitor = new Mock<IOptionsMonitor<HerokuMetricsOptions>>(MockBehavior.Strict);
        monitor.Setup(m => m.OnChange(It.IsAny<Action<HerokuMetricsOptions, string?>>())).Returns(() =>
        {
            Throw();
            return null!;
        });

        Assert.Null(Guard.OnChange(monitor.Object, static (_, _) => { }, Logger));
        AssertReportedOnce("subscribing to options changes");
    }

    [Fact]
    public void Cancel_contains_a_registration_that_throws_and_the_token_is_cancelled_all_the_same()
    {
        using var cts = new CancellationTokenSource();
        var ran = 0;
        using var throwing = cts.Token.Register(static () => Throw());
        using var after = cts.Token.Register(() => ran++);

        Assert.False(Guard.Cancel(cts));
        Assert.True(cts.IsCancellationRequested);
        Assert.Equal(1, ran);

        using var calm = new CancellationTokenSource();
        Assert.True(Guard.Cancel(calm));
        calm.Dispose();
        Assert.False(Guard.Cancel(calm));
    }

    [Fact]
    public void A_first_chance_exception_handler_that_throws_once_does_not_change_the_exception_the_app_catches()
    {
        var calls = 0;
        var thrown = new InvalidOperationException("the app's own");
        Exception? caught;
        using (Guard.OnFirstChanceException(() =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                Throw();
            }
        }))
        {
            try
            {
                throw thrown;
            }
            catch (InvalidOperationException ex)
            {
                caught = ex;
            }
        }

        Assert.Same(thrown, caught);
        Assert.True(Volatile.Read(ref calls) >= 2, $"the handler ran {calls} times");

        var afterDispose = Volatile.Read(ref calls);
        try
        {
            Throw();
        }
        catch (InvalidOperationException)
        {
        }

        Assert.Equal(afterDispose, Volatile.Read(ref calls));
    }

    [Fact]
    public void Assembly_load_and_unloading_handlers_that_throw_do_not_throw_into_the_loading_or_unloading_thread()
    {
        var loaded = new ConcurrentBag<System.Reflection.Assembly>();
        var unloading = 0;
        var context = new AssemblyLoadContext("guard-tests", isCollectible: true);
        System.Reflection.Assembly assembly;
        using (Guard.OnAssemblyLoad(a =>
        {
            loaded.Add(a);
            Throw();
        }))
        {
            assembly = context.LoadFromAssemblyPath(typeof(HerokuMetricsHealthCheckOptions).Assembly.Location);
        }

        Guard.OnUnloading(context, () =>
        {
            unloading++;
            Throw();
        });
        context.Unload();

        Assert.Contains(assembly, loaded);
        Assert.Equal(1, unloading);
    }

    [Fact]
    public void A_logger_factory_that_throws_gives_a_logger_that_writes_nothing()
    {
        var factory = new Mock<ILoggerFactory>(MockBehavior.Strict);
        factory.Setup(f => f.CreateLogger(It.IsAny<string>())).Throws(Failure());

        var logger = Guard.CreateLogger(factory.Object);

        Assert.False(logger.IsEnabled(LogLevel.Critical));
        Assert.False(Guard.CreateLogger(null).IsEnabled(LogLevel.Critical));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw() => throw Failure();

    private static InvalidOperationException Failure() => new($"proxy http://user:{Password}@proxy.example:3128/ refused the tunnel");

    private void AssertReportedOnce(string where)
    {
        var record = Assert.Single(_logs.Collector.GetSnapshot());
        Assert.Equal(("UnexpectedError", LogLevel.Error), (record.Id.Name, record.Level));
        Assert.Equal(where, record.GetStructuredStateValue("Where"));
        var error = record.GetStructuredStateValue("Error")!;
        Assert.StartsWith("System.InvalidOperationException: proxy http://redacted@proxy.example:3128/ refused the tunnel", error, StringComparison.Ordinal);
        Assert.Contains("   at " + typeof(GuardTests).FullName + "." + nameof(Throw) + "()", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, record.Message, StringComparison.Ordinal);
        Assert.Null(record.Exception);
    }
}
