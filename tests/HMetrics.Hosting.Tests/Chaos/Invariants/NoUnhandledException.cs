using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// Nothing the library does, whatever the app plugs into it, reaches the app as an exception: no timer callback throws
/// (on a real timer thread that ends the process), no StartAsync, StopAsync or configuration reload throws, the
/// process sees no unhandled or unobserved exception, and the library's last-resort catch (<c>UnexpectedError</c>)
/// never fires.
/// </summary>
internal sealed class NoUnhandledException : IRunInvariant
{
    public string Name => "no unhandled exception";

    public IEnumerable<string> Check(RunEvidence run)
    {
        foreach (var abort in run.Aborts)
        {
            yield return abort;
        }

        foreach (var host in run.Hosts)
        {
            foreach (var failure in host.Failures)
            {
                yield return $"host {host.Name}: {failure}";
            }

            foreach (var line in host.Logs.Where(l => l.IsLibrary && l.EventName == "UnexpectedError"))
            {
                yield return $"host {host.Name} logged UnexpectedError (the last-resort catch fired): {line.Message}";
            }
        }

        foreach (var exception in run.ProcessExceptions)
        {
            yield return exception;
        }
    }
}
