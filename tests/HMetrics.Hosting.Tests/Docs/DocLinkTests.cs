using System.Text.RegularExpressions;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>
/// Every link between the repository's own pages leads somewhere: the file exists and, for a Markdown page, so does the
/// heading its <c>#fragment</c> names. Pages move and headings get renamed; a newcomer following the README must not
/// land on nothing.
/// </summary>
public sealed partial class DocLinkTests
{
    private const string PackageRepository = "{{repository}}/blob/main/";

    [Fact]
    public void Every_link_to_a_page_of_the_repository_names_a_file_and_a_heading_that_exist()
    {
        var failures = new List<string>();
        var checkedLinks = 0;
        foreach (var file in DocsFile.All)
        {
            for (var i = 0; i < file.Lines.Count; i++)
            {
                foreach (Match link in Link().Matches(file.Lines[i]))
                {
                    var target = link.Groups["target"].Value;
                    var fromRoot = target.StartsWith(PackageRepository, StringComparison.Ordinal);
                    if (!fromRoot && (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("{{", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    checkedLinks++;
                    var (path, fragment) = Split(fromRoot ? target[PackageRepository.Length..] : target);
                    var resolved = path.Length == 0
                        ? file.Name
                        : Path.GetRelativePath(DocsFile.RepositoryRoot, Path.GetFullPath(Path.Combine(DocsFile.RepositoryRoot, fromRoot ? string.Empty : Path.GetDirectoryName(file.Name)!, path))).Replace('\\', '/');
                    var full = Path.Combine(DocsFile.RepositoryRoot, resolved);
                    if (!File.Exists(full) && !Directory.Exists(full))
                    {
                        failures.Add($"{file.Name}:{i + 1}: ({target}) leads to {resolved}, which does not exist.");
                    }
                    else if (fragment.Length > 0 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(full)).Contains(fragment))
                    {
                        failures.Add($"{file.Name}:{i + 1}: ({target}): {resolved} has no heading #{fragment}.");
                    }
                }
            }
        }

        Assert.True(checkedLinks >= 20, $"Only {checkedLinks} links were checked: the link pattern finds nothing.");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static (string Path, string Fragment) Split(string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? (target, string.Empty) : (target[..hash], target[(hash + 1)..]);
    }

    // GitHub's heading anchors: lower case, punctuation other than '-' and '_' removed, spaces made '-'.
    private static HashSet<string> Anchors(string markdown) =>
        [.. Heading().Matches(markdown).Select(static m => AnchorText().Replace(m.Groups["text"].Value.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-'))];

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (?<text>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N}\- _]")]
    private static partial Regex AnchorText();
}
