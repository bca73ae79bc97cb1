using HMetrics.Hosting.Tests.Helpers;

namespace HMetrics.Hosting.Tests;

/// <summary>
/// Issue 19, item 4: the folders stay layered. <c>Http/</c> and <c>Runtime/</c> know nothing of <c>Options/</c> or
/// <c>Reporting/</c>, <c>Options/</c> nothing of <c>Reporting/</c>, and <c>Boundary/</c> nothing of any other folder.
/// Read from the compiled library's metadata: every type a type names in its base types, fields, signatures, locals and
/// IL, its nested types (lambdas, state machines) included. Folder = namespace.
/// </summary>
/// <remarks>
/// The root namespace is beneath every folder: it holds the public options and enums and the log message table
/// (<c>Log</c>), which every folder uses, the guard included.
/// </remarks>
public sealed class LayeringTests
{
    private static readonly Dictionary<string, string[]> _mustNotUse = new(StringComparer.Ordinal)
    {
        ["Http"] = ["Options", "Reporting"],
        ["Runtime"] = ["Options", "Reporting"],
        ["Options"] = ["Reporting"],
        ["Boundary"] = ["Http", "Options", "Reporting", "Runtime"],
    };

    [Fact]
    public void No_folder_depends_on_one_above_it()
    {
        var references = CompiledAssembly.Of(typeof(HerokuMetricsOptions).Assembly).References;

        var violations = (
            from pair in references
            let folder = Folder(pair.Key)
            where folder is not null && _mustNotUse.ContainsKey(folder)
            from used in pair.Value
            where _mustNotUse[folder].Contains(Folder(used))
            select $"{pair.Key} uses {used}").ToList();

        Assert.True(violations.Count == 0, "Layering broken:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void The_reader_sees_the_dependencies_the_layers_are_made_of()
    {
        // Guards the test above against reading nothing: the top folder uses each one below it.
        var references = CompiledAssembly.Of(typeof(HerokuMetricsOptions).Assembly).References;

        var used = references.Where(p => Folder(p.Key) == "Reporting").SelectMany(p => p.Value).Select(Folder).ToHashSet();
        var usedByOptions = references.Where(p => Folder(p.Key) == "Options").SelectMany(p => p.Value).Select(Folder).ToHashSet();

        Assert.Superset(new HashSet<string?> { "Http", "Options", "Runtime", "Boundary" }, used);
        Assert.Superset(new HashSet<string?> { "Http", "Boundary" }, usedByOptions);
    }

    // "HMetrics.Hosting.Reporting.Delivery.DeliveryLoop" is in Reporting; the root namespace is "", anything else null.
    private static string? Folder(string typeName)
    {
        const string Root = "HMetrics.Hosting.";
        var lastDot = typeName.LastIndexOf('.');
        var ns = lastDot < 0 ? string.Empty : typeName[..lastDot];
        if (ns == "HMetrics.Hosting")
        {
            return string.Empty;
        }

        return ns.StartsWith(Root, StringComparison.Ordinal) ? ns[Root.Length..].Split('.')[0] : null;
    }
}
