using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HMetrics.Hosting.Benchmarks;

/// <summary>
/// Start-up as an app sees it once per process: fresh processes build and start a host with and without
/// <c>AddHerokuMetrics()</c>; each reports the milliseconds to a started host and the assemblies then loaded.
/// </summary>
internal static class ColdStartProbe
{
    private const int Runs = 15;

    public static async Task RunChildAsync(bool withMetrics, bool listAssemblies = false)
    {
        var stopwatch = Stopwatch.StartNew();
        using var host = StartupBenchmarks.Build(withMetrics);
        await host.StartAsync();
        var startedMs = stopwatch.Elapsed.TotalMilliseconds;
        var assemblies = AppDomain.CurrentDomain.GetAssemblies();
        await host.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{startedMs:F2} {assemblies.Length}"));
        if (listAssemblies)
        {
            foreach (var name in assemblies.Select(a => a.GetName().Name).Order(StringComparer.Ordinal))
            {
                Console.WriteLine(name);
            }
        }
    }

    public static async Task RunAsync()
    {
        // Interleaved, so a change in the machine's load touches both sides alike.
        var without = new List<(double Ms, int Assemblies)>();
        var with = new List<(double Ms, int Assemblies)>();
        for (var i = 0; i < Runs; i++)
        {
            without.Add(await SampleAsync("without"));
            with.Add(await SampleAsync("with"));
        }

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Cold start-up, {Runs} fresh processes each, interleaved (median ms from Build to a started host; assemblies loaded then)")
            .AppendLine()
            .AppendLine("| host | median ms | min ms | max ms | assemblies |")
            .AppendLine("|---|---:|---:|---:|---:|")
            .AppendLine(Row("without AddHerokuMetrics", without))
            .AppendLine(Row("with AddHerokuMetrics", with))
            .AppendLine(CultureInfo.InvariantCulture, $"| added | {Median(with) - Median(without):F1} | | | {with[0].Assemblies - without[0].Assemblies} |")
            .ToString();
        Console.WriteLine(report);
        var directory = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "ColdStartProbe-report.md"), report);
    }

    private static string Row(string name, List<(double Ms, int Assemblies)> samples) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {name} | {Median(samples):F1} | {samples.Min(s => s.Ms):F1} | {samples.Max(s => s.Ms):F1} | {samples[0].Assemblies} |");

    private static double Median(List<(double Ms, int Assemblies)> samples) =>
        samples.Select(s => s.Ms).Order().ElementAt(samples.Count / 2);

    private static async Task<(double Ms, int Assemblies)> SampleAsync(string variant)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // Under `dotnet run` the process is the app host; under `dotnet <dll>` it is dotnet itself.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ColdStartProbe).Assembly.Location);
        }

        start.ArgumentList.Add("--probe");
        start.ArgumentList.Add(variant);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var parts = output.Trim().Split('\n')[0].Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
