using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace HMetrics.Hosting.FleetSimulation;

public sealed class FleetSimulationTests(FleetFixture fleet, ITestOutputHelper output) : IClassFixture<FleetFixture>
{
    [Fact]
    public void Prints_the_table()
    {
        output.WriteLine(Table(fleet.Results));
        output.WriteLine($"Polly delay sequences: {fleet.DelayGeneration.TotalSeconds:0.0} s; simulation: {fleet.Simulation.TotalSeconds:0.0} s");
    }

    internal static string Table(IEnumerable<FleetResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | policy | peak req/s ÷ steady | delivered / deliverable | at-risk delivered | wasted req / dyno / h |");
        text.AppendLine("|---|---|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario.Name} | {r.Policy.Name} | {r.PeakRatio:0.00} ({r.PeakPerSecond} at {r.PeakAt:0} s) | {r.DeliveredShare:P2} | {(r.Scenario.Down.Length == 0 ? "–" : r.AtRiskShare.ToString("P1", CultureInfo.InvariantCulture))} | {r.WastedPerDynoHour:0.0} |");
        }

        return text.ToString();
    }
}
