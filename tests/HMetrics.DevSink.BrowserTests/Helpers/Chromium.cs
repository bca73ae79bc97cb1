using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HMetrics.DevSink.Tests.Helpers;

/// <summary>Debian's Chromium, headless: loads a page, lets its scripts run, and returns the DOM they built.</summary>
internal static partial class Chromium
{
    public static string Path =>
        Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    /// <summary>
    /// Runs <c>chromium --headless --dump-dom</c> with a virtual-time budget: the page's fetches and timers run (network
    /// waits pause virtual time), then the serialized DOM is printed.
    /// </summary>
    public static async Task<string> DumpDomAsync(Uri url)
    {
        Assert.True(File.Exists(Path), $"Chromium is needed for the browser test; install it with 'apt-get install -y chromium' (looked for {Path}).");
        var profile = Directory.CreateTempSubdirectory("hmetrics-chromium-");
        try
        {
            var start = new ProcessStartInfo(Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--user-data-dir=" + profile.FullName, "--virtual-time-budget=6000",
                "--dump-dom", url.ToString(),
            })
            {
                start.ArgumentList.Add(argument);
            }

            // Fixed time zone, so the time axis labels do not depend on the machine.
            start.Environment["TZ"] = "UTC";
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("Chromium did not finish within 90 s. " + await errors);
            }

            var dom = await output;
            Assert.True(dom.Contains("</html>", StringComparison.Ordinal), "Chromium printed no DOM. " + await errors);
            return dom;
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Chromium's helpers may still hold a file for a moment; a leftover temp folder is harmless.
            }
        }
    }

    /// <summary>The polylines the charts drew: metric name, the declared point count and the coordinates.</summary>
    public static IReadOnlyList<Line> Polylines(string dom) =>
        [.. PolylinePattern().Matches(dom).Select(static m => m.Value).Select(static tag => new Line(
            Attribute(tag, "data-metric")!,
            int.Parse(Attribute(tag, "data-points")!, CultureInfo.InvariantCulture),
            [.. Attribute(tag, "points")!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(static p =>
            {
                var xy = p.Split(',');
                return (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture));
            })]))];

    public static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, "\\s" + Regex.Escape(name) + "=\"([^\"]*)\"");
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("<polyline\\b[^>]*>")]
    private static partial Regex PolylinePattern();

    internal sealed record Line(string Metric, int DeclaredPoints, IReadOnlyList<(double X, double Y)> Points);
}
