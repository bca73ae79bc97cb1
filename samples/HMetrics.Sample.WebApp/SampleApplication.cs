using Microsoft.AspNetCore.Http.HttpResults;

namespace HMetrics.Sample.WebApp;

/// <summary>The sample web app: AddHerokuMetrics, endpoints that make the charts move, and the dev sink in Development.</summary>
public static class SampleApplication
{
    /// <summary>Builds the app as <c>dotnet run</c> runs it.</summary>
    /// <param name="args">Command-line arguments (configuration, e.g. <c>--urls</c>, <c>--environment</c>).</param>
    /// <param name="configure">Called just before the app is built: tests put fake time and log capture in here.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Configured from appsettings.json's HerokuMetrics section (and appsettings.Development.json: a report every 5 s).
        builder.Services.AddHerokuMetrics();

        // Development with no HEROKU_METRICS_URL: report to the dev sink mounted in this very app. Never outside Development.
        var selfReporting = SelfReporting.IsWanted(builder.Environment, builder.Configuration);
        if (selfReporting)
        {
            _ = builder.AddSelfReporting();
        }

        if (builder.Configuration.GetValue<bool>("Sample:GenerateLoad"))
        {
            builder.Services.AddHostedService<GeneratedLoad>();
        }

        builder.Services.AddProblemDetails();
        configure?.Invoke(builder);
        var app = builder.Build();

        app.MapGet("/", () => Results.Text(
            """
            HMetrics.Hosting sample. Endpoints that make the charts move:
              GET /allocate?mb=50               allocates about 50 MB of short-lived arrays (GC collections, pause, heap)
              GET /contend?workers=8&iterations=500   makes thread-pool workers fight over one lock (threads, contentions)
            In Development without HEROKU_METRICS_URL, the charts are at /_hmetrics/
            """));

        // Query values are taken as text and parsed here, so `mb=abc` is a 400 with a problem-details body saying what
        // to send, rather than the binder's BadHttpRequestException (a stack trace on the Development error page).
        app.MapGet("/allocate", Results<Ok<AllocateResult>, ProblemHttpResult> (string? mb) =>
        {
            if (ParseCount(mb, "mb", out var megabytes) is { } problem)
            {
                return problem;
            }

            megabytes = Math.Clamp(megabytes ?? 50, 1, 1024);
            var collections = Work.Allocate(megabytes.Value);
            return TypedResults.Ok(new AllocateResult(megabytes.Value, collections));
        });

        app.MapGet("/contend", async Task<Results<Ok<ContendResult>, ProblemHttpResult>> (string? workers, string? iterations) =>
        {
            if (ParseCount(workers, "workers", out var w) is { } badWorkers)
            {
                return badWorkers;
            }

            if (ParseCount(iterations, "iterations", out var n) is { } badIterations)
            {
                return badIterations;
            }

            var contentions = await Work.ContendAsync(Math.Clamp(w ?? 8, 1, 64), Math.Clamp(n ?? 500, 1, 100_000));
            return TypedResults.Ok(new ContendResult(contentions));
        });

        if (selfReporting)
        {
            _ = app.MapSelfReporting();
        }

        return app;
    }

    // Null when the value is absent or a whole number (then in value); else the 400 to answer.
    private static ProblemHttpResult? ParseCount(string? text, string name, out int? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return null;
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: $"'{name}' must be a whole number.",
            detail: $"Got '{(text.Length > 40 ? text[..40] + "..." : text)}'. Example: ?{name}=50");
    }
}

/// <summary>What <c>/allocate</c> answers.</summary>
/// <param name="AllocatedMegabytes">The megabytes allocated (the request, clamped to 1..1024).</param>
/// <param name="Gen0Collections">Gen-0 collections that happened meanwhile.</param>
public sealed record AllocateResult(int AllocatedMegabytes, int Gen0Collections);

/// <summary>What <c>/contend</c> answers.</summary>
/// <param name="LockContentions">Times a thread had to wait for the lock meanwhile.</param>
public sealed record ContendResult(long LockContentions);
