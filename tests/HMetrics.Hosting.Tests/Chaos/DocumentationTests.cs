using System.Globalization;
using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Harness;
using HMetrics.Hosting.Tests.Chaos.Invariants;

namespace HMetrics.Hosting.Tests.Chaos;

/// <summary>What docs/reliability.md says of the chaos suite is what the suite does: its seed count, bounds, dimensions and invariants.</summary>
public sealed class DocumentationTests
{
    [Fact]
    public void The_reliability_page_quotes_the_seed_count_every_dimension_and_every_invariant()
    {
        var section = ChaosSection();

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{ChaosOptions.DefaultSeeds} seeds"), section, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"within {ChaosRun.SettleBound.TotalSeconds} s of real time"), section, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{StopsWithinBound.Bound.TotalSeconds} s of real time, well under the hosts' {ChaosHost.ShutdownTimeout.TotalSeconds} s shutdown timeout"), section, StringComparison.Ordinal);
        Assert.All(DimensionNames.All, name => Assert.Contains($"`{name}`", section, StringComparison.Ordinal));
        Assert.All(Invariant.All, invariant => Assert.Contains($"**{invariant.Name}**", section, StringComparison.Ordinal));
    }

    private static string ChaosSection()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "docs", "reliability.md")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var page = File.ReadAllText(Path.Combine(directory.FullName, "docs", "reliability.md"));
        var start = page.IndexOf("## The chaos suite", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/reliability.md has no '## The chaos suite' section");
        var end = page.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? page[start..] : page[start..end];
    }
}
