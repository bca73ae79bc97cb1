using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Boundary;

/// <summary>
/// Code that keeps or breaks the boundary rules on purpose, one way per method, so <see cref="BoundaryTests"/> can show
/// that its checks tell the two apart. Compiled into the test assembly and never called.
/// </summary>
/// <remarks>Method names say what the check must decide: <c>Breaks…</c> is reported, <c>Keeps…</c> is not.</remarks>
internal static class BoundaryViolations
{
    public static void BreaksWithACallOutsideAnyCatch(Counter<long> counter) => counter.Add(1);

    public static void KeepsWithACatchOfException(Counter<long> counter)
    {
        try
        {
            counter.Add(1);
        }
        catch (Exception)
        {
        }
    }

    public static void KeepsWithAFilterOnException(Counter<long> counter)
    {
        try
        {
            counter.Add(1);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
        }
    }

    public static void BreaksWithOnlyANarrowerCatch(Counter<long> counter)
    {
        try
        {
            counter.Add(1);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public static void BreaksWithACallInsideTheCatchHandler(ILogger logger)
    {
        try
        {
            logger.LogInformation("first");
        }
        catch (Exception)
        {
            logger.LogInformation("second");
        }
    }

    // The lambda runs when its delegate is invoked, long after the try has been left.
    public static Action BreaksWithALambdaMadeInsideATry(Counter<long> counter)
    {
        try
        {
            return () => counter.Add(1);
        }
        catch (Exception)
        {
            return static () => { };
        }
    }

    // The compiler's catch around an async body hands the exception to the task; the caller still gets it.
    public static async Task BreaksWithOnlyTheAsyncBuildersCatch(HttpMessageInvoker invoker, HttpRequestMessage request)
    {
        using var response = await invoker.SendAsync(request, CancellationToken.None);
    }

    public static async Task KeepsWithACatchInsideAnAsyncMethod(HttpMessageInvoker invoker, HttpRequestMessage request)
    {
        try
        {
            using var response = await invoker.SendAsync(request, CancellationToken.None);
        }
        catch (Exception)
        {
        }
    }

    public static void CallsAHelperOnlyInsideACatch(IOptionsMonitor<HerokuMetricsOptions> monitor)
    {
        try
        {
            KeepsAsAHelperCalledOnlyInsideACatch(monitor);
        }
        catch (Exception)
        {
        }
    }

    public static void CallsAHelperInsideAndOutsideACatch(IOptionsMonitor<HerokuMetricsOptions> monitor)
    {
        try
        {
            BreaksAsAHelperAlsoCalledOutsideACatch(monitor);
        }
        catch (Exception)
        {
        }

        BreaksAsAHelperAlsoCalledOutsideACatch(monitor);
    }

    public static CancellationTokenRegistration BreaksByRegisteringACallbackOutsideGuard(CancellationToken token) =>
        token.Register(static () => { });

    public static ITimer BreaksByCreatingATimerOutsideGuard(TimeProvider time) =>
        time.CreateTimer(static _ => { }, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

    // The read is covered where the helper is called, when it is called only from inside a catch-all.
    private static void KeepsAsAHelperCalledOnlyInsideACatch(IOptionsMonitor<HerokuMetricsOptions> monitor) => _ = monitor.CurrentValue;

    private static void BreaksAsAHelperAlsoCalledOutsideACatch(IOptionsMonitor<HerokuMetricsOptions> monitor) => _ = monitor.CurrentValue;
}
