using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>
/// No secret of the run (<see cref="Generation.ChaosScenario.Secrets"/>: the dyno id, the endpoint's user-info in both
/// forms, the proxy's user name and password) appears in anything the process puts out: any log record of any category
/// (message, exception, state), any exception that reached the app or the process, the status, the health check, any
/// measurement or activity an app's listener saw.
/// </summary>
internal sealed class NoSecretInOutput : IRunInvariant
{
    public string Name => "no secret in any output";

    public IEnumerable<string> Check(RunEvidence run)
    {
        // One line per kind of output and secret: a leak in a repeated Warning is one finding, however often it repeats.
        var secrets = run.Scenario.Secrets;
        var leaks = Outputs(run)
            .SelectMany(o => secrets.Where(s => o.Text.Contains(s, StringComparison.OrdinalIgnoreCase)).Select(s => (o.Where, Secret: s, o.Text)))
            .GroupBy(l => (l.Where, l.Secret));
        foreach (var leak in leaks)
        {
            var first = leak.First();
            var times = leak.Count() == 1 ? string.Empty : $" ({leak.Count()} times)";
            yield return $"{first.Where}{times} holds '{first.Secret}': {Excerpt(first.Text, first.Secret)}";
        }
    }

    private static IEnumerable<(string Where, string Text)> Outputs(RunEvidence run)
    {
        foreach (var host in run.Hosts)
        {
            foreach (var line in host.Logs)
            {
                foreach (var text in line.Texts())
                {
                    yield return ($"host {host.Name}'s {line.Level} {line.Category}/{line.EventName} log record", text);
                }
            }

            foreach (var failure in host.Failures)
            {
                yield return ($"an exception host {host.Name} let through", failure);
            }

            if (host.Status is { } status)
            {
                yield return ($"host {host.Name}'s status", status);
            }

            foreach (var health in host.Health)
            {
                yield return ($"host {host.Name}'s health check", health);
            }
        }

        foreach (var text in run.Aborts.Concat(run.ProcessExceptions))
        {
            yield return ("an exception the process saw", text);
        }

        foreach (var text in run.Telemetry)
        {
            yield return ("a measurement or activity an app's listener saw", text);
        }
    }

    private static string Excerpt(string text, string secret)
    {
        var at = text.IndexOf(secret, StringComparison.OrdinalIgnoreCase);
        var from = Math.Max(0, at - 120);
        return (from > 0 ? "…" : string.Empty) + text[from..Math.Min(text.Length, at + secret.Length + 60)].ReplaceLineEndings(" ") + "…";
    }
}
