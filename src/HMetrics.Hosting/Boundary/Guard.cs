using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Boundary;

/// <summary>
/// The library's boundary with code it does not own: every callback the runtime or the app makes into the library is
/// registered here, wrapped in a catch-all, and every logger is made here.
/// </summary>
/// <remarks>
/// <para>
/// A timer, a cancellation registration, an options-change listener or an event handler that throws runs on a thread the
/// library does not own (a timer thread, a file watcher's, whichever thread cancels a token): an exception there aborts
/// the process or fails someone else's operation. So the library never registers its own method directly; it registers
/// through these methods, which end the callback in a catch-all and report what escaped, scrubbed, to the reporter's log.
/// </para>
/// <para>
/// Synchronous calls out to code the library does not own (an instrument's listeners run inline in
/// <c>Counter.Add</c>; a configuration provider runs inline in a binder) sit inside a catch-all where they are made;
/// <c>BoundaryTests</c> reads the compiled library and fails when a call to such an API, or a registration of a
/// callback, appears anywhere else.
/// </para>
/// </remarks>
internal static class Guard
{
    /// <summary>Makes the library's logger; a factory that throws gives a logger that writes nothing.</summary>
    public static SafeLogger CreateLogger(ILoggerFactory? factory)
    {
        if (factory is null)
        {
            return SafeLogger.None;
        }

        try
        {
            return new SafeLogger(factory.CreateLogger(Log.Category));
        }
        catch (Exception)
        {
            return SafeLogger.None;
        }
    }

    /// <summary>Creates a timer whose callback cannot throw into the timer's thread.</summary>
    public static ITimer CreateTimer(TimeProvider time, Action<object?> callback, object? state, TimeSpan dueTime, TimeSpan period, SafeLogger logger) =>
        time.CreateTimer(static s => ((Callback)s!).Invoke(), new Callback(callback, state, logger, "a timer callback"), dueTime, period);

    /// <summary>Registers a callback on <paramref name="token"/> that cannot throw into whoever cancels it.</summary>
    /// <remarks>Unsafe: the callback does not capture the execution context, which it never needs.</remarks>
    public static CancellationTokenRegistration Register(CancellationToken token, Action<object?> callback, object? state, SafeLogger logger) =>
        token.UnsafeRegister(static s => ((Callback)s!).Invoke(), new Callback(callback, state, logger, "a cancellation callback"));

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool's ordinary queue, behind the work already queued there; it cannot
    /// throw into the pool.
    /// </summary>
    public static void Queue(Action<object?> work, object? state, SafeLogger logger) =>
        _ = ThreadPool.UnsafeQueueUserWorkItem(static s => ((Callback)s!).Invoke(), new Callback(work, state, logger, "queued work"), preferLocal: false);

    /// <summary>Cancels a source the library owns; a callback someone else registered on its token cannot throw into the caller.</summary>
    /// <returns>Whether every callback ran without throwing.</returns>
    public static bool Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
            return true;
        }
        catch (Exception)
        {
            // An AggregateException of other parties' callbacks, or a source disposed meanwhile: the token is cancelled either way.
            return false;
        }
    }

    /// <summary>Follows changes of <paramref name="monitor"/>; the listener cannot throw into the thread that reloaded the configuration.</summary>
    /// <returns>The subscription, or <see langword="null"/> if the monitor refused it.</returns>
    public static IDisposable? OnChange<TOptions>(IOptionsMonitor<TOptions> monitor, Action<TOptions, string?> listener, SafeLogger logger)
    {
        try
        {
            return monitor.OnChange((options, name) =>
            {
                try
                {
                    listener(options, name);
                }
                catch (Exception ex)
                {
                    Log.UnexpectedError(logger, "an options change", FailureText.Describe(ex, endpoint: null, withStackTrace: true));
                }
            });
        }
        catch (Exception ex)
        {
            Log.UnexpectedError(logger, "subscribing to options changes", FailureText.Describe(ex, endpoint: null, withStackTrace: true));
            return null;
        }
    }

    /// <summary>Subscribes to the process's first-chance exceptions; the handler cannot throw into the throwing thread.</summary>
    /// <returns>What unsubscribes.</returns>
    public static IDisposable OnFirstChanceException(Action handler) => new FirstChanceSubscription(handler);

    /// <summary>Subscribes to assembly loads; the handler cannot throw into the loading thread.</summary>
    /// <returns>What unsubscribes.</returns>
    public static IDisposable OnAssemblyLoad(Action<System.Reflection.Assembly> handler) => new AssemblyLoadSubscription(handler);

    /// <summary>Subscribes to a collectible load context's unloading; the handler cannot throw into the unloading thread.</summary>
    public static void OnUnloading(System.Runtime.Loader.AssemblyLoadContext context, Action handler) =>
        context.Unloading += _ =>
        {
            try
            {
                handler();
            }
            catch (Exception)
            {
                // Nothing to report to: the counter it feeds recovers at the next read.
            }
        };

    private sealed class Callback(Action<object?> callback, object? state, SafeLogger logger, string what)
    {
        public void Invoke()
        {
            try
            {
                callback(state);
            }
            catch (Exception ex)
            {
                Log.UnexpectedError(logger, what, FailureText.Describe(ex, endpoint: null, withStackTrace: true));
            }
        }
    }

    private sealed class FirstChanceSubscription : IDisposable
    {
        private readonly Action _handler;

        public FirstChanceSubscription(Action handler)
        {
            _handler = handler;
            AppDomain.CurrentDomain.FirstChanceException += OnFirstChanceException;
        }

        public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnFirstChanceException;

        private void OnFirstChanceException(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            try
            {
                _handler();
            }
            catch (Exception)
            {
                // Reporting from here would raise another first-chance exception; a lost count is the lesser harm.
            }
        }
    }

    private sealed class AssemblyLoadSubscription : IDisposable
    {
        private readonly Action<System.Reflection.Assembly> _handler;

        public AssemblyLoadSubscription(Action<System.Reflection.Assembly> handler)
        {
            _handler = handler;
            AppDomain.CurrentDomain.AssemblyLoad += OnAssemblyLoad;
        }

        public void Dispose() => AppDomain.CurrentDomain.AssemblyLoad -= OnAssemblyLoad;

        private void OnAssemblyLoad(object? sender, AssemblyLoadEventArgs args)
        {
            try
            {
                _handler(args.LoadedAssembly);
            }
            catch (Exception)
            {
                // The loading thread is the app's; the assembly count is re-taken after the next unload anyway.
            }
        }
    }
}
