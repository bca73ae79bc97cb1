using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HMetrics.DevSink.Tests.Helpers;

/// <summary>Debian's Chromium, headless: loads a page, lets its scripts run, and returns the DOM they built.</summary>
internal static partial class Chromium
{
    private const string InstallHint =
        "This suite needs a Chromium or Chrome executable: 'apt-get install -y chromium' on Debian/Ubuntu, or set CHROMIUM to its path.";

    /// <summary><c>CHROMIUM</c> when set, else the first Chromium or Chrome on the PATH, else Debian's path.</summary>
    public static string Path =>
        Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } configured ? configured : OnPath() ?? "/usr/bin/chromium";

    private static string? OnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(static dir => new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome" }
                .Select(name => System.IO.Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <c>chromium --headless --dump-dom</c> with a virtual-time budget: the page's fetches and timers run (network
    /// waits pause virtual time), then the serialized DOM is printed.
    /// </summary>
    public static async Task<string> DumpDomAsync(Uri url)
    {
        var path = Path;
        Assert.True(File.Exists(path), $"{InstallHint} (Looked for {path}.)");
        var profile = Directory.CreateTempSubdirectory("hmetrics-chromium-");
        try
        {
            var start = new ProcessStartInfo(path)
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
            Process started;
            try
            {
                started = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException($"{InstallHint} ({path} could not be started: {ex.Message})", ex);
            }

            using var process = started;
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

    // The chart geometry of charts.js (viewBox 560 wide, margins 62 left and 12 right).
    public const double PlotLeft = 62;
    public const double PlotRight = 560 - 12;
    public const double PlotWidth = PlotRight - PlotLeft;

    /// <summary>The titles of the chart cards, in page order, as a user reads them.</summary>
    public static IReadOnlyList<string> ChartTitles(string dom) =>
        [.. ChartTitlePattern().Matches(dom).Select(static m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value).Trim())];

    /// <summary>The metric names in the charts' legends, in page order.</summary>
    public static IReadOnlyList<string> LegendMetrics(string dom) =>
        [.. LegendItemPattern().Matches(dom).Select(static m => m.Groups[1].Value)];

    /// <summary>The one line above the charts saying what these reports do not hold.</summary>
    public static string NotPostedLine(string dom)
    {
        var match = NotPostedPattern().Match(dom);
        Assert.True(match.Success, "the page has no not-posted line");
        return System.Net.WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>The polyline element drawn for a metric.</summary>
    public static string PolylineTag(string dom, string metric) =>
        Assert.Single(PolylinePattern().Matches(dom).Select(static m => m.Value), t => Attribute(t, "data-metric") == metric);

    /// <summary>The element name of the markers drawn on a metric's points (circle, rect, polygon).</summary>
    public static string MarkerShape(string dom, string metric)
    {
        var shapes = MarkerPattern().Matches(dom)
            .Where(m => Attribute(m.Value, "data-metric") == metric)
            .Select(static m => m.Groups[1].Value + (m.Groups[1].Value == "polygon" ? ":" + Attribute(m.Value, "points")!.Split(' ').Length : string.Empty))
            .Distinct()
            .ToList();
        return Assert.Single(shapes);
    }

    public static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, "\\s" + Regex.Escape(name) + "=\"([^\"]*)\"");
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("<polyline\\b[^>]*>")]
    private static partial Regex PolylinePattern();

    [GeneratedRegex("<div class=\"chart\"[^>]*><h3>([^<]*)<span")]
    private static partial Regex ChartTitlePattern();

    [GeneratedRegex("<span title=\"[^\"]*\" data-metric=\"([^\"]*)\"")]
    private static partial Regex LegendItemPattern();

    [GeneratedRegex("<p id=\"not-posted\"[^>]*>([^<]*)</p>")]
    private static partial Regex NotPostedPattern();

    [GeneratedRegex("<(circle|rect|polygon) [^>]*class=\"marker\"[^>]*>")]
    private static partial Regex MarkerPattern();

    internal sealed record Line(string Metric, int DeclaredPoints, IReadOnlyList<(double X, double Y)> Points);
}
