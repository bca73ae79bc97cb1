using System.Globalization;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>What /proc says about another process's memory and threads (Linux; empty elsewhere).</summary>
internal static class ProcFs
{
    /// <summary>The kB fields of /proc/PID/status and /proc/PID/smaps_rollup that the footprint probe reads, in bytes.</summary>
    public static Dictionary<string, long> Memory(int pid)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        Read($"/proc/{pid}/status", values, ["VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"]);
        Read($"/proc/{pid}/smaps_rollup", values, ["Pss", "Private_Clean", "Private_Dirty", "Anonymous"]);
        values["Private"] = values.GetValueOrDefault("Private_Clean") + values.GetValueOrDefault("Private_Dirty");
        return values;
    }

    /// <summary>Live threads by name (/proc/PID/task/*/comm: the first 15 bytes of the name the runtime gave it).</summary>
    public static SortedDictionary<string, int> ThreadNames(int pid)
    {
        var names = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var task in SafeEnumerate($"/proc/{pid}/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                names[name] = names.GetValueOrDefault(name) + 1;
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return names;
    }

    /// <summary>
    /// Resident bytes of /proc/PID/smaps by mapping: each file by its path; anonymous mappings as "[anon]"; the runtime's
    /// executable memory (JIT-compiled code, stubs; a memfd when W^X is on) as "/memfd:doublemapper".
    /// </summary>
    public static Dictionary<string, long> ResidentByMapping(int pid)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        var current = "[anon]";
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
            {
                if (line.Length > 0 && IsMappingHeader(line))
                {
                    var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                    current = parts.Length >= 6 ? parts[5].Trim() : "[anon]";
                    if (current.StartsWith("/memfd:doublemapper", StringComparison.Ordinal))
                    {
                        current = "/memfd:doublemapper";
                    }
                }
                else if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    result[current] = result.GetValueOrDefault(current) + Kb(line);
                }
            }
        }
        catch (IOException)
        {
            // The process ended.
        }

        return result;
    }

    /// <summary>Groups <see cref="ResidentByMapping"/> into the kinds the breakdown names.</summary>
    public static string KindOf(string mapping) => mapping switch
    {
        "/memfd:doublemapper" => "JIT code + stubs (memfd:doublemapper)",
        "[heap]" or "[anon]" => "anonymous: GC heap, native allocations, thread stacks",
        _ when mapping.StartsWith('[') => "other kernel mappings",
        _ when mapping.EndsWith(".dll", StringComparison.Ordinal) => "managed assemblies (.dll, mapped)",
        _ when mapping.Contains(".so", StringComparison.Ordinal) => "native libraries (.so)",
        _ => "other files",
    };

    private static bool IsMappingHeader(string line)
    {
        // "7f..-7f.. r-xp 00000000 08:01 1234   /path": a hex range first.
        var dash = line.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && line.AsSpan(0, dash).IndexOfAnyExcept("0123456789abcdef") < 0;
    }

    private static void Read(string path, Dictionary<string, long> values, string[] keys)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && keys.Contains(line[..colon]))
                {
                    values[line[..colon]] = line[..colon] == "Threads"
                        ? long.Parse(line.AsSpan(colon + 1).Trim(), CultureInfo.InvariantCulture)
                        : Kb(line);
                }
            }
        }
        catch (IOException)
        {
            // The process ended.
        }
    }

    private static long Kb(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var text = line.AsSpan(colon + 1).Trim();
        var space = text.IndexOf(' ');
        return long.Parse(space > 0 ? text[..space] : text, CultureInfo.InvariantCulture) * 1024;
    }

    private static IEnumerable<string> SafeEnumerate(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateDirectories(directory) : [];
}
