using System.Collections.Immutable;
using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static HMetrics.Hosting.Tests.Adversity.Adversity;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>Stopping, disposing and running side by side, at the worst moments.</summary>
public sealed class LifetimeTests
{
    // Real time, generous for a loaded CI machine, yet below the host's 30 s shutdown timeout: a stop that waited for a
    // fake-time timeout would only end there, and still fail.
    private static readonly TimeSpan RealBound = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task Stopping_while_a_report_is_in_flight_cancels_it_at_once_and_flushes()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = 0;
        server.RespondWith(async (ctx, _) =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                // Never answers; only the client going away ends it.
                var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var registration = ctx.RequestAborted.Register(() => gone.TrySetResult());
                await gone.Task;
                aborted.TrySetResult();
            }
        });
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();
        _ = await server.NextAsync();

        // No fake time passes: the stop does not wait for the timeout.
        try
        {
            await host.Host.StopAsync().WaitAsync(RealBound);
        }
        catch (TimeoutException)
        {
            // Seen once under a full parallel run and never alone: say what the stop was waiting for.
            throw new TimeoutException(
                $"The host did not stop within {RealBound} (real); requests {Volatile.Read(ref requests)}, first one aborted: {aborted.Task.IsCompleted}. Its log:\n" +
                string.Join("\n", host.Logs.GetSnapshot().Select(r => $"{r.Timestamp:HH:mm:ss.fff} {r.Category} {r.Id.Name} {r.Message}")));
        }

        await aborted.Task.WaitAsync(RealBound);
        _ = await host.WaitForLogAsync("Flushed");

        // The final sample goes first, then the cancelled one, still within the window, with its own time.
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(server.Requests[0].Header("Measurements-Time"), server.Requests[2].Header("Measurements-Time"));
        Assert.Equal(0, Count(host, "ReportFailed"));
        AssertHealthy(host);
    }

    [Fact]
    public async Task Stopping_during_a_backoff_wait_ends_the_wait_at_once_and_flushes_what_was_not_delivered()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        server.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();
        _ = await host.WaitForLogAsync("ReportFailed");
        await host.Time.WaitForTimerAsync(Backoff);
        server.RespondWithStatus(HttpStatusCode.OK);

        await host.Host.StopAsync().WaitAsync(RealBound);

        _ = await host.WaitForLogAsync("Flushed");
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(1, Count(host, "ReportFailed"));

        // The flush delivered the final sample, then the one that had failed, with its own time and its own counts.
        Assert.Equal(server.Requests[0].Header("Measurements-Time"), server.Requests[2].Header("Measurements-Time"));
        Assert.Equal(server.Requests[0].Counter("go.gc.collections"), server.Requests[2].Counter("go.gc.collections"));
        AssertHealthy(host);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public async Task Stopping_during_the_first_interval_sends_only_the_flush(bool flush, int expectedRequests)
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(Settings(server.Url(), ("HerokuMetrics:FlushOnShutdown", flush ? "true" : "false")));
        await host.StartAndWaitForFirstTimerAsync(Interval);

        await host.Host.StopAsync().WaitAsync(RealBound);

        Assert.Equal(expectedRequests, server.Requests.Count);
        Assert.Equal(expectedRequests, Count(host, "Flushed"));
        Assert.Equal(host.Time.Start, host.Time.GetUtcNow());
        AssertHealthy(host);
    }

    [Fact]
    public async Task StopAsync_twice_is_harmless_and_flushes_once()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        await using var host = MetricsHost.Create(Settings(server.Url()));
        await host.StartAndSendFirstReportAsync();
        _ = await host.WaitForLogAsync("ReportDelivered");

        await host.Host.StopAsync().WaitAsync(RealBound);
        await host.Host.StopAsync().WaitAsync(RealBound);

        var service = host.Host.Services.GetServices<IHostedService>().OfType<HerokuMetricsReporter>().Single();
        await service.StopAsync(CancellationToken.None).WaitAsync(RealBound);

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, Count(host, "Flushed"));
        AssertHealthy(host);
    }

    [Fact]
    public async Task Disposing_without_stopping_ends_the_loop_and_sends_nothing_more()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var host = MetricsHost.Create(Settings(server.Url()));
        var service = host.Host.Services.GetServices<IHostedService>().OfType<HerokuMetricsReporter>().Single();
        await host.StartAndSendFirstReportAsync();
        _ = await host.WaitForLogAsync("ReportDelivered");

        host.Host.Dispose();

        await service.ExecuteTask!.WaitAsync(RealBound);
        Assert.True(service.ExecuteTask.IsCompletedSuccessfully);
        host.Time.Advance(TimeSpan.FromHours(1));
        Assert.Single(server.Requests);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Id.Name is "UnexpectedError" or "ReportFailed");
    }

    [Fact]
    public async Task Two_hosts_in_one_process_report_independently()
    {
        await using var serverA = await HerokuLikeServer.StartAsync();
        await using var serverB = await HerokuLikeServer.StartAsync();
        serverB.RespondWithStatus(HttpStatusCode.ServiceUnavailable);
        await using var hostA = MetricsHost.Create(Settings(serverA.Url()));
        await using var hostB = MetricsHost.Create(Settings(serverB.Url(), ("HerokuMetrics:Schema", "DotNet"), ("HerokuMetrics:PostInterval", "00:00:30")));

        await hostA.StartAndSendFirstReportAsync();
        await hostB.StartAsync();
        _ = await serverA.NextAsync();
        _ = await hostA.WaitForLogAsync("ReportDelivered");
        Assert.Empty(serverB.Requests);

        // B fails and backs off; A is not affected.
        await hostB.Time.WaitForTimerAsync(TimeSpan.FromSeconds(30));
        hostB.Time.Advance(TimeSpan.FromSeconds(30));
        _ = await hostB.WaitForLogAsync("ReportFailed");
        hostA.Time.Advance(Interval);
        _ = await hostA.WaitForLogAsync("ReportDelivered", 2);
        Assert.Equal(0, Count(hostA, "ReportFailed"));

        // Each endpoint got only its own host's reports, in its own schema.
        Assert.Equal(2, serverA.Requests.Count);
        Assert.Single(serverB.Requests);
        Assert.All(serverA.Requests, r => Assert.True(r.Json().RootElement.GetProperty("counters").TryGetProperty("go.gc.collections", out _)));
        Assert.False(serverB.Requests[0].Json().RootElement.GetProperty("counters").TryGetProperty("go.gc.collections", out _));

        // Stopping B leaves A running.
        await hostB.Host.StopAsync().WaitAsync(RealBound);
        hostA.Time.Advance(Interval);
        _ = await hostA.WaitForLogAsync("ReportDelivered", 3);
        AssertHealthy(hostA);
        AssertHealthy(hostB);
    }

    [Fact]
    public void The_library_has_no_static_mutable_state()
    {
        var offenders = new List<string>();
        foreach (var assembly in new[] { typeof(HerokuMetricsOptions).Assembly, typeof(Microsoft.Extensions.DependencyInjection.HerokuMetricsHealthChecksBuilderExtensions).Assembly })
        {
            foreach (var type in assembly.GetTypes())
            {
                foreach (var field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!IsAllowed(type, field))
                    {
                        offenders.Add($"{type.FullName}.{field.Name} ({field.FieldType.Name}{(field.IsInitOnly ? ", readonly" : string.Empty)})");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "static state that is not immutable:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_static_state_scan_catches_a_mutable_field()
    {
        // The guard above would be worthless if it passed everything.
        Assert.False(IsAllowed(typeof(MutableExample), typeof(MutableExample).GetField(nameof(MutableExample.Counter))!));
        Assert.False(IsAllowed(typeof(MutableExample), typeof(MutableExample).GetField(nameof(MutableExample.Cache))!));
        Assert.True(IsAllowed(typeof(MutableExample), typeof(MutableExample).GetField(nameof(MutableExample.Period))!));
    }

    private static bool IsAllowed(Type type, FieldInfo field)
    {
        if (field.IsLiteral)
        {
            return true;
        }

        // The one deliberate exception: GC counts, CPU time and the like belong to the process, so the record of which
        // increments were already handed to a reporter must be process-wide too (issue 9, observation 9).
        if (type == typeof(ProcessCounterLedger) && field.Name == nameof(ProcessCounterLedger.Shared))
        {
            return true;
        }

        // Compiler caches of non-capturing lambdas: written once with an immutable delegate.
        if (IsCompilerGenerated(type) && typeof(Delegate).IsAssignableFrom(field.FieldType))
        {
            return true;
        }

        return field.IsInitOnly && (IsImmutable(field.FieldType) || IsReadOnlyTable(type, field));
    }

    private static bool IsCompilerGenerated(Type? type)
    {
        for (; type is not null; type = type.DeclaringType)
        {
            if (type.IsDefined(typeof(CompilerGeneratedAttribute)) || type.Name.StartsWith('<'))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsImmutable(Type type) => IsImmutable(type, depth: 0);

    private static bool IsImmutable(Type type, int depth) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal)
        || type == typeof(JsonEncodedText) || typeof(Delegate).IsAssignableFrom(type)
        || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>))
        || type.Namespace is "System.Collections.Frozen" or "System.Collections.Immutable"

        // A type of our own (a record, the compiler's stateless lambda holder) whose every instance field is readonly
        // and itself immutable.
        || (depth < 4 && type.Assembly != typeof(object).Assembly && !type.IsArray && !type.IsInterface && !type.IsAbstract
            && AllInstanceFields(type).All(f => f.IsInitOnly && IsImmutable(f.FieldType, depth + 1)));

    private static IEnumerable<FieldInfo> AllInstanceFields(Type type)
    {
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                yield return field;
            }
        }
    }

    // Tables no code writes after they are built: private arrays read by their own type only, the key table the
    // configuration-binder source generator builds lazily, and the attributes the options-validation generator caches.
    private static bool IsReadOnlyTable(Type type, FieldInfo field) =>
        (field.IsPrivate && field.FieldType.IsArray && IsImmutable(field.FieldType.GetElementType()!))
        || (type.Namespace == "Microsoft.Extensions.Configuration.Binder.SourceGeneration" && field.Name.StartsWith("s_configKeys_", StringComparison.Ordinal))
        || (type.Namespace == "__OptionValidationStaticInstances" && typeof(Attribute).IsAssignableFrom(field.FieldType));

    private static class MutableExample
    {
        public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
#pragma warning disable CA2211, CA1802, IDE0044, CS0649 // The point of the example.
        public static int Counter;
        public static readonly List<int> Cache = [];
#pragma warning restore CA2211, CA1802, IDE0044, CS0649
    }
}
