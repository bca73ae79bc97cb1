namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// Watches the process for unhandled exceptions (which end it) and unobserved task exceptions, on behalf of the run
/// under way.
/// </summary>
internal sealed class ExceptionMonitor : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<string> _seen = [];

    public ExceptionMonitor()
    {
        // Whatever earlier tests left unobserved surfaces now, before watching begins.
        Collect();
        AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    /// <summary>Gets or sets what the process is doing (the seed and its replay command), printed if it is about to die.</summary>
    public string Current { get; set; } = "no run";

    /// <summary>Returns what was seen since the last call; with <paramref name="collect"/>, first finalizes every task that became garbage.</summary>
    public IReadOnlyList<string> Drain(bool collect)
    {
        if (collect)
        {
            Collect();
        }

        lock (_lock)
        {
            var seen = _seen.ToList();
            _seen.Clear();
            return seen;
        }
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandled;
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private void OnUnhandled(object? sender, UnhandledExceptionEventArgs e)
    {
        // The process ends after this handler: the test host prints standard error, so the seed is not lost.
        Console.Error.WriteLine($"chaos: an unhandled exception ends the process during {Current}: {e.ExceptionObject}");
        lock (_lock)
        {
            _seen.Add("unhandled exception: " + e.ExceptionObject);
        }
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        lock (_lock)
        {
            _seen.Add("unobserved task exception: " + e.Exception);
        }
    }
}
