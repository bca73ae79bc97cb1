using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace HMetrics.DevSink;

/// <summary>
/// The sink's HTTP surface, relative to where it is mounted: the ingest endpoint, the page, its assets and JSON APIs.
/// </summary>
internal static class DevSinkEndpoints
{
    internal const string LogCategory = "HMetrics.DevSink";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix)
    {
        var normalized = "/" + prefix.Trim('/');
        var group = endpoints.MapGroup(normalized == "/" ? string.Empty : normalized);

        // Every method reaches the handler, so anything but POST gets 405 with Allow rather than a 404.
        _ = group.Map("/metrics/{**dyno}", IngestAsync);
        _ = group.MapGet("/", (HttpContext context) => Page(context, normalized));
        _ = group.MapGet("/assets/{name}", Asset);
        _ = group.MapGet("/api/data", Data);
        _ = group.MapGet("/api/faults", (FaultInjector faults) => TypedResults.Ok(faults.Current));
        _ = group.MapPut("/api/faults", SetFaults);
        _ = group.MapPost("/api/faults", SetFaults);
        _ = group.MapDelete("/api/faults", (FaultInjector faults, ILoggerFactory loggers) =>
        {
            faults.Set(FaultSettings.None);
            loggers.CreateLogger(LogCategory).LogInformation("Fault injection cleared: reports are processed normally.");
            return TypedResults.Ok(faults.Current);
        });
        return group;
    }

    private static async Task IngestAsync(
        HttpContext context,
        string? dyno,
        ReportStore store,
        FaultInjector faults,
        TimeProvider timeProvider,
        IOptions<DevSinkOptions> options,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LogCategory);
        var request = context.Request;
        var response = context.Response;
        var path = "/" + (dyno ?? string.Empty);

        if (!HttpMethods.IsPost(request.Method))
        {
            response.Headers.Allow = "POST";
            await AnswerAsync(context, store, timeProvider, path, StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not allowed; reports are POSTed.");
            return;
        }

        var body = await ReadBodyAsync(request, options.Value.MaxBodyBytes, context.RequestAborted);

        var (settings, fail) = faults.Next();
        if (settings.DelayMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(settings.DelayMs), timeProvider, context.RequestAborted);
        }

        if (fail)
        {
            var status = settings.Status!.Value;
            if (settings.RetryAfterSeconds is { } retryAfter)
            {
                response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            var detail = settings.RetryAfterSeconds is null
                ? $"Injected fault: status {status}."
                : $"Injected fault: status {status}, Retry-After {settings.RetryAfterSeconds} s.";
            logger.LogInformation("Answered a report for {Dyno} with {Status}: {Detail}", path, status, detail);
            await AnswerAsync(context, store, timeProvider, path, status, detail);
            return;
        }

        var now = timeProvider.GetUtcNow();
        var reason = body is null
            ? $"The body is larger than {options.Value.MaxBodyBytes} bytes."
            : ReportValidator.Validate(
                request.ContentType,
                Header(request, ReportValidator.MeasurementsTimeHeader),
                Header(request, ReportValidator.MeasurementsCountHeader),
                body,
                now,
                out var report)
            is { } failure ? failure : Accept(store, path, report, logger);

        if (reason is not null)
        {
            logger.LogWarning("Rejected a report for {Dyno} with 400: {Reason}", path, reason);
            await AnswerAsync(context, store, timeProvider, path, StatusCodes.Status400BadRequest, reason);
            return;
        }

        store.Record(new RequestRecord(now, path, request.Method, StatusCodes.Status200OK, "accepted"));
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = 0;
    }

    private static string? Accept(ReportStore store, string path, ParsedReport report, ILogger logger)
    {
        var stored = store.Add(path, report);
        logger.LogInformation("Accepted report #{Sequence} for {Dyno}: {Count} metrics.", stored.Sequence, path, report.Count);
        return null;
    }

    private static async Task AnswerAsync(HttpContext context, ReportStore store, TimeProvider timeProvider, string path, int status, string line)
    {
        store.Record(new RequestRecord(timeProvider.GetUtcNow(), path, context.Request.Method, status, line));
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(line + "\n", context.RequestAborted);
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    // Null when the body is over the limit: a dev sink must not buffer whatever a client streams at it.
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult Page(HttpContext context, string prefix)
    {
        var basePath = context.Request.PathBase.Value + (prefix == "/" ? "/" : prefix + "/");
        var html = ReadAsset("index.html")!.Replace("{{base}}", System.Net.WebUtility.HtmlEncode(basePath), StringComparison.Ordinal);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    private static IResult Asset(string name, HttpContext context)
    {
        var contentType = Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => null,
        };
        var text = contentType is null ? null : ReadAsset(name);
        if (text is null)
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(text, contentType);
    }

    private static IResult Data(
        string? dyno,
        long? since,
        ReportStore store,
        FaultInjector faults,
        TimeProvider timeProvider)
    {
        var dynos = store.Dynos();
        var selected = dyno ?? dynos.FirstOrDefault()?.Dyno;
        var reports = selected is null ? [] : store.Reports(selected, since ?? 0);
        return TypedResults.Ok(new ChartData(
            timeProvider.GetUtcNow(),
            selected,
            dynos,
            reports,
            store.Requests(30),
            faults.Current));
    }

    private static IResult SetFaults(FaultSettings settings, FaultInjector faults, ILoggerFactory loggers)
    {
        if (settings.Validate() is { } error)
        {
            return TypedResults.BadRequest(error);
        }

        faults.Set(settings);
        loggers.CreateLogger(LogCategory).LogInformation("Fault injection set: {Faults}.", settings.Describe());
        return TypedResults.Ok(settings);
    }

    private static string? ReadAsset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("HMetrics.DevSink.Assets." + name);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>What the page polls: the sink's clock, the dynos, the new reports of one, recent requests and faults.</summary>
/// <param name="Now">The sink's clock, so the time axis follows it rather than the browser's.</param>
/// <param name="Dyno">The dyno path the reports are for.</param>
/// <param name="Dynos">Every dyno path with reports.</param>
/// <param name="Reports">Reports of <paramref name="Dyno"/> that arrived after the requested sequence, in order of Measurements-Time.</param>
/// <param name="Requests">The most recent requests, newest first.</param>
/// <param name="Faults">The fault settings in force.</param>
public sealed record ChartData(
    DateTimeOffset Now,
    string? Dyno,
    IReadOnlyList<DynoSummary> Dynos,
    IReadOnlyList<StoredReport> Reports,
    IReadOnlyList<RequestRecord> Requests,
    FaultSettings Faults);
