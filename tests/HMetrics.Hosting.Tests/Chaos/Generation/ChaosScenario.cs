using System.Text;

namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>A generated hostile process: everything a run does, drawn from one seed.</summary>
/// <param name="Calm">Whether the dimensions that lose samples on purpose were left out (see <see cref="ScenarioGenerator"/>).</param>
/// <param name="DynoId">The last path segment of the dyno's endpoint, shared by every host of the run: a secret.</param>
/// <param name="EndpointUserInfo">User-info of the endpoint URL (<c>user:password</c>), sent as Basic authentication; a secret.</param>
/// <param name="ProxyUser">The proxy's user name, in the proxy URL of a proxied host.</param>
/// <param name="ProxyPassword">The proxy's password, in the proxy URL of a proxied host (and so in .NET's exception text).</param>
internal sealed record ChaosScenario(
    int Seed,
    bool Calm,
    IReadOnlySet<Dimension> Disabled,
    TimeSpan Length,
    string DynoId,
    string? EndpointUserInfo,
    string ProxyUser,
    string ProxyPassword,
    IReadOnlyList<HostPlan> Hosts,
    LoggingPlan? Logging,
    MeterPlan? Meters,
    ActivityPlan? Activities,
    EndpointPlan Endpoint,
    IReadOnlyList<ChaosStep> Steps)
{
    /// <summary>The endpoint path every host posts to: one dyno.</summary>
    public string Path => "/metrics/" + DynoId;

    /// <summary>Every text that must appear in no output: the dyno id, the endpoint's user-info in both forms, the proxy's credentials.</summary>
    public IReadOnlyList<string> Secrets
    {
        get
        {
            var secrets = new List<string> { DynoId, ProxyUser, ProxyPassword };
            if (EndpointUserInfo is { } userInfo)
            {
                secrets.AddRange(userInfo.Split(':'));
                secrets.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)));
            }

            return secrets;
        }
    }

    /// <summary>The scenario in readable form, as a failure report prints it.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        _ = text.Append(Calm ? "  calm; run length " : "  run length ").Append(ChaosStep.Format(Length)).Append("; dyno path /metrics/").Append(DynoId)
            .Append(EndpointUserInfo is null ? string.Empty : "; endpoint URL with user-info " + EndpointUserInfo).AppendLine();
        if (Disabled.Count > 0)
        {
            _ = text.Append("  disabled: ").AppendLine(string.Join(", ", Disabled.Select(DimensionNames.Name)));
        }

        foreach (var host in Hosts)
        {
            _ = text.Append("  host ").AppendLine(host.ToString());
        }

        _ = text.Append("  logging: ").AppendLine(Logging?.ToString() ?? "no hostile provider")
            .Append("  meter listener: ").AppendLine(Meters?.ToString() ?? "none")
            .Append("  activity listener: ").AppendLine(Activities?.ToString() ?? "one that only captures")
            .Append("  endpoint: ").AppendLine(Endpoint.ToString())
            .AppendLine("  steps:");
        foreach (var step in Steps)
        {
            _ = text.Append("    ").AppendLine(step.ToString());
        }

        return text.ToString();
    }
}
