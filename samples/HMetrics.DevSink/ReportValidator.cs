using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace HMetrics.DevSink;

/// <summary>
/// Checks a report the way Heroku's endpoint does (see shared/heroku-metrics-protocol.md) and says in one line what is
/// wrong with it.
/// </summary>
internal static class ReportValidator
{
    internal static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(4);
    internal static readonly TimeSpan MaxAhead = TimeSpan.FromMinutes(1);

    internal const string MeasurementsTimeHeader = "Measurements-Time";
    internal const string MeasurementsCountHeader = "Measurements-Count";

    /// <summary>Validates a POSTed report; on success fills the parsed values.</summary>
    /// <returns><see langword="null"/> when the report is acceptable, else the one-line reason.</returns>
    public static string? Validate(
        string? contentType,
        string? measurementsTime,
        string? measurementsCount,
        ReadOnlySpan<byte> body,
        DateTimeOffset now,
        out ParsedReport report)
    {
        report = default;
        if (!IsJson(contentType))
        {
            return contentType is null
                ? "Content-Type is missing; it must be application/json."
                : $"Content-Type is '{OneLine(contentType)}'; it must be application/json.";
        }

        DateTimeOffset? measuredAt = null;
        if (measurementsTime is not null)
        {
            if (!DateTimeOffset.TryParseExact(
                    measurementsTime.Trim(),
                    ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd't'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK"],
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.None,
                    out var parsed))
            {
                return $"Measurements-Time '{OneLine(measurementsTime)}' is not an RFC 3339 timestamp.";
            }

            if (now - parsed > MaxAge)
            {
                return $"Measurements-Time {Format(parsed)} is {Format(now - parsed)} old; measurements older than 4 minutes are not aggregated.";
            }

            if (parsed - now > MaxAhead)
            {
                return $"Measurements-Time {Format(parsed)} is {Format(parsed - now)} in the future; at most 1 minute ahead is accepted.";
            }

            measuredAt = parsed;
        }

        int? expectedCount = null;
        if (measurementsCount is not null)
        {
            if (!int.TryParse(measurementsCount.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return $"Measurements-Count '{OneLine(measurementsCount)}' is not a non-negative integer.";
            }

            expectedCount = n;
        }

        Dictionary<string, double>? counters = null;
        Dictionary<string, double>? gauges = null;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return $"The body is a JSON {Kind(root.ValueKind)}; it must be an object with counters and gauges.";
            }

            foreach (var member in root.EnumerateObject())
            {
                string? error;
                switch (member.Name)
                {
                    case "counters" when counters is null:
                        error = ReadSection(member, out counters);
                        break;
                    case "gauges" when gauges is null:
                        error = ReadSection(member, out gauges);
                        break;
                    case "counters" or "gauges":
                        error = $"'{member.Name}' appears more than once.";
                        break;
                    default:
                        error = $"Unexpected member '{OneLine(member.Name)}'; only counters and gauges are allowed.";
                        break;
                }

                if (error is not null)
                {
                    return error;
                }
            }
        }
        catch (JsonException ex)
        {
            return "The body is not valid JSON: " + OneLine(ex.Message);
        }

        counters ??= [];
        gauges ??= [];
        var count = counters.Count + gauges.Count;
        if (expectedCount is { } expected && expected != count)
        {
            return $"Measurements-Count is {expected} but the body holds {count} metrics.";
        }

        report = new ParsedReport(counters, gauges, measuredAt, count);
        return null;
    }

    /// <summary>Statsd names: tokens of ASCII letters and digits joined by '.', '_' or '-'.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        var previousWasSeparator = true;
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                previousWasSeparator = false;
            }
            else if (c is '.' or '_' or '-' && !previousWasSeparator)
            {
                previousWasSeparator = true;
            }
            else
            {
                return false;
            }
        }

        return !previousWasSeparator;
    }

    private static string? ReadSection(JsonProperty section, out Dictionary<string, double>? values)
    {
        values = null;
        if (section.Value.ValueKind != JsonValueKind.Object)
        {
            return $"'{section.Name}' is a JSON {Kind(section.Value.ValueKind)}; it must be an object mapping names to numbers.";
        }

        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in section.Value.EnumerateObject())
        {
            if (!IsValidName(metric.Name))
            {
                return $"{section.Name}: '{OneLine(metric.Name)}' is not a valid metric name (tokens of letters and digits joined by '.', '_' or '-').";
            }

            if (metric.Value.ValueKind != JsonValueKind.Number)
            {
                return $"{section.Name}.{metric.Name} is a JSON {Kind(metric.Value.ValueKind)}, not a number.";
            }

            // A JSON number too large for a double (1e400) parses to infinity, or is refused: either way not finite.
            if (!metric.Value.TryGetDouble(out var value) || !double.IsFinite(value))
            {
                return $"{section.Name}.{metric.Name} = {OneLine(metric.Value.GetRawText())} is not a finite number.";
            }

            if (!result.TryAdd(metric.Name, value))
            {
                return $"{section.Name}.{metric.Name} appears more than once.";
            }
        }

        values = result;
        return null;
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && string.Equals(parsed.MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Format(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s");

    // Reasons are one line and short, whatever a client sent.
    private static string OneLine(string text)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= 120 ? flat : flat[..120] + "...";
    }
}

/// <summary>The values of a valid report.</summary>
internal readonly record struct ParsedReport(
    Dictionary<string, double> Counters,
    Dictionary<string, double> Gauges,
    DateTimeOffset? MeasuredAt,
    int Count);
