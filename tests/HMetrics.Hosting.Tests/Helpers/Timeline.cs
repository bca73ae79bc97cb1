using System.Globalization;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>Fake-clock instants as the endpoint sees them in <c>Measurements-Time</c>.</summary>
internal static class Timeline
{
    private static readonly DateTimeOffset _start = new TestTimeProvider().Start;

    /// <summary>The <c>Measurements-Time</c> value of a report taken <paramref name="sinceStart"/> after the test clock's start.</summary>
    public static string At(TimeSpan sinceStart) =>
        _start.Add(sinceStart).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string At(double secondsSinceStart) => At(TimeSpan.FromSeconds(secondsSinceStart));

    public static TimeSpan Seconds(double value) => TimeSpan.FromSeconds(value);
}
