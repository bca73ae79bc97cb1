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
    private const int Runs = 7;

    public static async Task RunChildAsync(bool withMetrics)
    {
        var stopwatch = Stopwatch.StartNew();
        using var host = StartupBenchmarks.Build(withMetrics);
        await host.StartAsync();
        var startedMs = stopwatch.Elapsed.TotalMilliseconds;
        var assemblies = AppDomain.CurrentDomain.GetAssemblies().Length;
        await host.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{startedMs:F2} {assemblies}"));
    }

    public static async Task RunAsync()
    {
        var without = await SampleAsync("without");
        var with = await SampleAsync("with");
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Cold start-up, {Runs} fresh processes each (median ms from Build to a started host; assemblies loaded then)")
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

    private static async Task<List<(double Ms, int Assemblies)>> SampleAsync(string variant)
    {
        var samples = new List<(double, int)>();
        for (var i = 0; i < Runs; i++)
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
            var parts = output.Trim().Split(' ');
            samples.Add((double.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture)));
        }

        return samples;
    }
}
