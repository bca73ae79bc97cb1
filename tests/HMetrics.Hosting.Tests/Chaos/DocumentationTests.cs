using System.Globalization;
using System.Text.RegularExpressions;
using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Harness;
using HMetrics.Hosting.Tests.Chaos.Invariants;

namespace HMetrics.Hosting.Tests.Chaos;

/// <summary>What docs/reliability.md says of the chaos suite is what the suite does: its seed count, bounds, dimensions and invariants.</summary>
public sealed class DocumentationTests
{
    [Fact]
    public void The_reliability_page_quotes_the_seed_count_the_bounds_every_dimension_and_every_invariant()
    {
        // Line breaks of the page are spaces here: a quoted figure may wrap.
        var section = Regex.Replace(ChaosSection(), @"\s+", " ");
        string[] figures =
        [
            Quote($"{ChaosOptions.DefaultSeeds} seeds"),
            Quote($"within {ChaosRun.SettleBound.TotalSeconds} s of real time"),
            Quote($"{StopsWithinBound.Bound.TotalSeconds} s of real time, well under the hosts' {ChaosHost.ShutdownTimeout.TotalSeconds} s shutdown timeout"),
            Quote($"at least {DisposedHostsReleased.Bound.TotalSeconds} s (real time)"),
            Quote($"{ChaosHost.HandlerLifetime.TotalSeconds} s handler lifetime"),
            Quote($"older than {NoSamplePastWindow.Window.TotalMinutes} minutes"),
        ];

        Assert.All(figures, figure => Assert.Contains(figure, section, StringComparison.Ordinal));
        Assert.All(DimensionNames.All, name => Assert.Contains($"`{name}`", section, StringComparison.Ordinal));
        Assert.All(
            Invariant.All.Select(i => i.Name).Append(new DisposedHostsReleased().Name),
            name => Assert.Contains($"**{name}**", section, StringComparison.Ordinal));
    }

    private static string Quote(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

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
