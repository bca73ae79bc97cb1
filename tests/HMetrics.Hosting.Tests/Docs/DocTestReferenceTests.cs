using System.Text.RegularExpressions;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>
/// Every test a page names as proof exists. behaviour.md ends each rule with the tests that check it (<c>Integration/
/// CountingTests</c>); a reference to a class renamed, moved or never written would be a promise nobody checks.
/// </summary>
public sealed partial class DocTestReferenceTests
{
    private static readonly string[] TestRoots = ["tests/HMetrics.Hosting.Tests", "tests"];

    [Fact]
    public void Every_test_class_a_page_cites_exists()
    {
        var failures = new List<string>();
        var checkedReferences = 0;
        foreach (var file in DocsFile.All)
        {
            for (var i = 0; i < file.Lines.Count; i++)
            {
                foreach (Match reference in TestReference().Matches(file.Lines[i]))
                {
                    checkedReferences++;
                    var path = reference.Groups["path"].Value;
                    if (!TestRoots.Any(root => File.Exists(Path.Combine(DocsFile.RepositoryRoot, root, path + ".cs"))))
                    {
                        failures.Add($"{file.Name}:{i + 1}: `{path}` names no test file under {string.Join(" or ", TestRoots)}.");
                    }
                }
            }
        }

        Assert.True(checkedReferences >= 30, $"Only {checkedReferences} test references were checked: the pattern finds nothing.");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    // `Folder/NameTests` or `Folder/Sub/NameTests`, optionally followed by `.Member…` inside the backticks.
    [GeneratedRegex(@"`(?<path>[A-Z][A-Za-z]*(?:/[A-Z][A-Za-z]*)*/[A-Z][A-Za-z]*Tests)(?:\.[^`]*)?`")]
    private static partial Regex TestReference();
}
