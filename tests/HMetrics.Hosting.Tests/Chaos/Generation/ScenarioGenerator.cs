using System.Globalization;

namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>
/// Draws a <see cref="ChaosScenario"/> from a seed. Every draw happens whatever is disabled, so switching a dimension off
/// leaves the rest of the scenario as it was; a disabled dimension's draws are then dropped.
/// </summary>
/// <remarks>
/// <para>
/// Sizes are chosen for speed on a 2-core machine: a run lasts 1.5 to 9 minutes of fake time and no host takes more than
/// about 50 samples in it, so a run costs tens of milliseconds of real time.
/// </para>
/// <para>
/// A third of the scenarios are calm in the dimensions that lose samples on purpose (a handler or proxy that fails,
/// flush off, an outage too long to drain, a rejecting endpoint, the endpoint down when a host stops, a logger that
/// hides whether the flush went out): there every increment must arrive, so the count invariant holds in its exact
/// form. Reloads, schemas, hosts, wall-clock jumps, collections and throwing measurements stay as drawn.
/// </para>
/// </remarks>
internal static class ScenarioGenerator
{
    private const int MaxSamplesPerHost = 50;

    private static readonly (int Ms, int Weight)[] _intervals =
        [(1_000, 1), (2_000, 1), (5_000, 3), (10_000, 4), (15_000, 3), (20_000, 5), (30_000, 2), (60_000, 1)];

    private static readonly int[] _timeoutsMs = [500, 1_000, 2_000, 5_000, 10_000, 30_000];
    private static readonly int[] _initialBackoffsMs = [100, 500, 1_000, 2_000, 5_000];
    private static readonly int[] _maxBackoffsMs = [1_000, 5_000, 10_000, 30_000, 60_000, 120_000];
    private static readonly int[] _resetAftersMs = [10_000, 60_000, 300_000];
    private static readonly int[] _everies = [1, 2, 3, 5, 8];
    private static readonly string[] _misspelt = ["PostIntervall", "Shema", "HttpTimout", "InitalBackoff", "FlushOnShutdwon", "Endpiont", "MaxBackof"];
    private static readonly int[] _oddStatuses = [100, 199, 300, 304, 399, 407, 418, 429, 451, 499, 503, 599, 600, 999];
    private static readonly string?[] _retryAfters = [null, null, "0", "1", "5", "-3", "120", "99999999999", "soon", "Thu, 01 Jan 1970 00:00:00 GMT", "date+30s", "date-30s"];
    private static readonly string[] _instruments = ["hmetrics.reports.sent", "hmetrics.reports.failed", "hmetrics.report.duration", "hmetrics.report.payload.size", "hmetrics.samples.dropped"];
    private static readonly string[] _extraCategories = ["Microsoft.Extensions.Http", "Polly", "System.Net.Http"];

    public static ChaosScenario Generate(int seed, IReadOnlySet<Dimension> disabled)
    {
        var rng = new Random(seed);
        bool On(Dimension dimension) => !disabled.Contains(dimension);
        var calm = rng.Next(3) == 0;

        var length = Ms(rng.Next(90_000, 540_001));
        var dyno = new Guid([.. Enumerable.Range(0, 16).Select(_ => (byte)rng.Next(256))]).ToString("D");
        var userInfo = rng.Next(3) == 0 ? $"u-{Hex(rng, 6)}:p-{Hex(rng, 12)}" : null;
        var proxyUser = "proxy-" + Hex(rng, 6);
        var proxyPassword = "s3cret-pa55-" + Hex(rng, 8);

        var hostCount = rng.Next(2, 4);
        HerokuMetricsSchema[] schemas = [HerokuMetricsSchema.Go, HerokuMetricsSchema.DotNet, HerokuMetricsSchema.Both];
        rng.Shuffle(schemas);
        var proxied = rng.Next(4) == 0 && On(Dimension.Proxy);
        var hosts = new List<HostPlan>();
        for (var i = 0; i < hostCount; i++)
        {
            hosts.Add(Host(rng, i, schemas[i], length, proxied && i == hostCount - 1, On(Dimension.Handlers), On(Dimension.Reloads)));
        }

        var logging = Logging(rng);
        var meters = Meters(rng, On(Dimension.MeterPublishThrows), On(Dimension.MeterListenerThrows));
        var activities = rng.Next(4) == 0 ? new ActivityPlan((ActivityCallback)rng.Next(3), Cadence(rng)) : null;
        var endpoint = Endpoint(rng, length);
        var steps = Steps(rng, hosts, length, On(Dimension.Reloads), On(Dimension.WallClock), On(Dimension.Collections));

        if (calm)
        {
            hosts = [.. hosts.Select(h => h with { Handlers = [], Proxied = false, FlushOnShutdown = true })];
            logging = logging is { CanLoseLibraryLines: true } ? null : logging;
            meters = meters is null ? null : meters with { ThrowOnPublish = false };
            endpoint = Calm(endpoint, steps, length);
        }

        return new ChaosScenario(
            seed,
            calm,
            disabled,
            length,
            dyno,
            userInfo,
            proxyUser,
            proxyPassword,
            hosts,
            On(Dimension.Loggers) ? logging : null,
            meters is { ThrowOnPublish: false, ThrowingInstruments.Count: 0 } ? null : meters,
            On(Dimension.ActivityListenerThrows) ? activities : null,
            On(Dimension.Endpoint) ? endpoint : new EndpointPlan([]),
            steps);
    }

    // Outages short enough to drain (90 s), nothing rejected, no flapping, and the endpoint up around every stop.
    private static EndpointPlan Calm(EndpointPlan endpoint, IReadOnlyList<ChaosStep> steps, TimeSpan length)
    {
        var stops = steps.Where(s => s.Kind == StepKind.Stop).Select(s => s.At).Append(length).ToList();
        var margin = TimeSpan.FromSeconds(30);
        return new EndpointPlan([.. endpoint.Phases
            .Where(p => p.FlapPeriod == TimeSpan.Zero && p.Behaviour.Status is not (400 or 413))
            .Select(p => p with { To = p.From + TimeSpan.FromTicks(Math.Min((p.To - p.From).Ticks, TimeSpan.FromSeconds(90).Ticks)) })
            .Where(p => !stops.Any(stop => stop >= p.From - margin && stop <= p.To + margin))]);
    }

    private static HostPlan Host(Random rng, int slot, HerokuMetricsSchema schema, TimeSpan length, bool proxied, bool handlersOn, bool reloadsOn)
    {
        var interval = Ms(Weighted(rng, _intervals));
        interval = AtLeast(interval, length / MaxSamplesPerHost);
        var initial = Pick(rng, _initialBackoffsMs);
        var max = Pick(rng, _maxBackoffsMs.Where(m => m >= initial).ToArray());
        var timeout = Ms(Pick(rng, _timeoutsMs));
        var reset = Ms(Pick(rng, _resetAftersMs));
        var jitter = rng.Next(2) == 0;
        var flush = rng.Next(8) != 0;
        var misspelt = rng.Next(5) == 0 ? Pick(rng, _misspelt) : null;
        var handlers = new List<HandlerPlan>();
        for (var count = rng.Next(3); handlers.Count < count;)
        {
            handlers.Add(Handler(rng));
        }

        return new HostPlan(
            ((char)('A' + slot)).ToString(),
            schema,
            interval,
            timeout,
            Ms(initial),
            Ms(max),
            reset,
            jitter,
            flush,
            reloadsOn ? misspelt : null,
            handlersOn ? handlers : [],
            proxied);
    }

    private static HandlerPlan Handler(Random rng)
    {
        var fault = (HandlerFault)rng.Next(6);
        var cadence = Cadence(rng);
        var delay = Ms(rng.Next(500, 20_001));
        var status = Pick(rng, _oddStatuses);
        var retryAfter = Pick(rng, _retryAfters);
        return new HandlerPlan(fault, cadence, delay, status, retryAfter);
    }

    private static LoggingPlan? Logging(Random rng)
    {
        var present = rng.Next(2) == 0;
        var first = rng.Next(2) == 0;
        var categories = new List<string> { "HMetrics" };
        categories.AddRange(_extraCategories.Where(_ => rng.Next(3) == 0));
        var createLogger = CallFault(rng, throwsOnly: true);
        var isEnabled = CallFault(rng, throwsOnly: false);
        var log = CallFault(rng, throwsOnly: false);
        var scope = CallFault(rng, throwsOnly: false);
        var holdStarted = rng.Next(4) == 0 ? Ms(rng.Next(1_000, 60_001)) : TimeSpan.Zero;

        // A provider that throws from CreateLogger for every call leaves little else to see: rarer than the others.
        if (createLogger.Kind == FaultKind.Throw && rng.Next(3) != 0)
        {
            createLogger = Generation.CallFault.None;
        }

        return present ? new LoggingPlan(first, categories, createLogger, isEnabled, log, scope, holdStarted) : null;
    }

    private static CallFault CallFault(Random rng, bool throwsOnly)
    {
        var roll = rng.Next(10);
        var cadence = Cadence(rng);
        return roll < 5 ? Generation.CallFault.None
            : roll < 8 || throwsOnly ? new CallFault(FaultKind.Throw, cadence)
            : new CallFault(FaultKind.Slow, cadence);
    }

    private static MeterPlan? Meters(Random rng, bool publishOn, bool measurementsOn)
    {
        var present = rng.Next(2) == 0;
        var onPublish = rng.Next(6) == 0;
        var throwing = _instruments.Where(_ => rng.Next(2) == 0).ToList();
        var cadence = Cadence(rng);
        var plan = new MeterPlan(onPublish && publishOn, measurementsOn ? throwing : [], cadence);
        return present && (plan.ThrowOnPublish || plan.ThrowingInstruments.Count > 0) ? plan : null;
    }

    private static EndpointPlan Endpoint(Random rng, TimeSpan length)
    {
        var phases = new List<EndpointPhase>();
        var at = Ms(rng.Next(5_000, 90_001));
        while (at < length)
        {
            var roll = rng.Next(12);
            var failure = Failure(rng);
            EndpointPhase phase = roll switch
            {
                < 4 => new(at, at + Ms(rng.Next(5_000, 180_001)), failure, TimeSpan.Zero),
                < 6 => new(at, at + Ms(rng.Next(216_000, 360_001)), failure, TimeSpan.Zero),
                < 8 => new(at, at + Ms(rng.Next(30_000, 240_001)), failure, Ms(rng.Next(3_000, 40_001))),
                8 => new(at, at + Ms(rng.Next(10_000, 60_001)), new EndpointBehaviour(EndpointKind.Answer, Pick(rng, [201, 202, 204, 299]), null, TimeSpan.Zero), TimeSpan.Zero),
                9 or 10 => new(at, at + Ms(rng.Next(10_000, 120_001)), new EndpointBehaviour(EndpointKind.Answer, 200, null, Ms(rng.Next(1_000, 30_001))), TimeSpan.Zero),
                _ => new(at, at + Ms(rng.Next(5_000, 40_001)), new EndpointBehaviour(EndpointKind.Answer, Pick(rng, [400, 413]), null, TimeSpan.Zero), TimeSpan.Zero),
            };
            phases.Add(phase);
            at = phase.To + Ms(rng.Next(5_000, 90_001));
        }

        return new EndpointPlan(phases);
    }

    private static EndpointBehaviour Failure(Random rng)
    {
        var roll = rng.Next(9);
        var retryAfter = Pick(rng, _retryAfters);
        return roll switch
        {
            0 => new(EndpointKind.Answer, 500, null, TimeSpan.Zero),
            1 => new(EndpointKind.Answer, 502, null, TimeSpan.Zero),
            2 => new(EndpointKind.Answer, 503, retryAfter, TimeSpan.Zero),
            3 => new(EndpointKind.Answer, 429, retryAfter, TimeSpan.Zero),
            4 => new(EndpointKind.Answer, 302, null, TimeSpan.Zero),
            5 or 6 => new(EndpointKind.Drop, 0, null, TimeSpan.Zero),
            _ => new(EndpointKind.Hang, 0, null, TimeSpan.Zero),
        };
    }

    private static List<ChaosStep> Steps(Random rng, IReadOnlyList<HostPlan> hosts, TimeSpan length, bool reloadsOn, bool wallClockOn, bool collectionsOn)
    {
        var steps = new List<ChaosStep>();
        var running = new List<(int Host, TimeSpan From, TimeSpan To)>();
        for (var slot = 0; slot < hosts.Count; slot++)
        {
            var start = slot == 0 ? TimeSpan.Zero : Ms(rng.Next(0, (int)(length.TotalMilliseconds * 0.6)));
            var stopsEarly = rng.Next(2) == 0;
            var stop = stopsEarly ? Ms(rng.Next((int)start.TotalMilliseconds + 1_000, (int)length.TotalMilliseconds)) : length;
            var restarts = stopsEarly && rng.Next(3) == 0 && stop + Ms(1_000) < length;
            var restart = restarts ? Ms(rng.Next((int)stop.TotalMilliseconds + 1_000, (int)length.TotalMilliseconds)) : length;
            steps.Add(new ChaosStep(StepKind.Start, start, slot));
            running.Add((slot, start, stop));
            if (stopsEarly)
            {
                steps.Add(new ChaosStep(StepKind.Stop, stop, slot));
            }

            if (restarts)
            {
                steps.Add(new ChaosStep(StepKind.Start, restart, slot));
                running.Add((slot, restart, length));
            }
        }

        for (var reloads = rng.Next(6); reloads > 0; reloads--)
        {
            var at = Ms(rng.Next(0, (int)length.TotalMilliseconds));
            var candidates = running.Where(r => at > r.From && at < r.To).ToList();
            var settings = ReloadSettings(rng, length - at);
            if (reloadsOn && candidates.Count > 0)
            {
                steps.Add(new ChaosStep(StepKind.Reload, at, candidates[rng.Next(candidates.Count)].Host, Settings: settings));
            }
        }

        for (var jumps = rng.Next(4); jumps > 0; jumps--)
        {
            var at = Ms(rng.Next(0, (int)length.TotalMilliseconds));
            var magnitude = Ms(Pick(rng, [1_000, 10_000, 45_000, 120_000, 300_000, 3_600_000]) + rng.Next(1_000));
            var amount = rng.Next(2) == 0 ? magnitude : -magnitude;
            if (wallClockOn)
            {
                steps.Add(new ChaosStep(StepKind.JumpWallClock, at, Amount: amount));
            }
        }

        for (var collections = rng.Next(1, 8); collections > 0; collections--)
        {
            var step = new ChaosStep(StepKind.Collect, Ms(rng.Next(0, (int)length.TotalMilliseconds)), Generation: rng.Next(3));
            if (collectionsOn)
            {
                steps.Add(step);
            }
        }

        // Stable: steps at the same moment keep the order they were drawn in (a start before its own stop).
        return [.. steps.OrderBy(s => s.At)];
    }

    private static List<(string Key, string? Value)> ReloadSettings(Random rng, TimeSpan remaining)
    {
        var settings = new List<(string Key, string? Value)>();
        for (var count = rng.Next(1, 4); settings.Count < count;)
        {
            var roll = rng.Next(20);
            settings.Add(roll switch
            {
                // Valid: a long interval too (a drain during a PostInterval reload), but no more samples than a run affords.
                < 3 => ("HerokuMetrics:PostInterval", ChaosStep.Setting(AtLeast(Ms(Pick(rng, [1_000, 5_000, 20_000, 60_000, 300_000, 600_000])), remaining / MaxSamplesPerHost))),
                < 6 => ("HerokuMetrics:Schema", Pick(rng, ["Go", "DotNet", "Both"])),
                6 => ("HerokuMetrics:HttpTimeout", ChaosStep.Setting(Ms(Pick(rng, _timeoutsMs)))),
                7 => ("HerokuMetrics:InitialBackoff", ChaosStep.Setting(Ms(Pick(rng, _initialBackoffsMs)))),
                8 => ("HerokuMetrics:BackoffJitter", Pick(rng, ["00:00:00", "00:00:01"])),
                9 => ("HerokuMetrics:Enabled", Pick(rng, ["false", "true"])),

                // Invalid: each must be refused as a whole, the settings in force staying.
                10 => ("HerokuMetrics:PostInterval", Pick(rng, ["00:00:00", "-00:00:05", "twenty seconds", "2.00:00:00"])),
                11 => ("HerokuMetrics:Schema", Pick(rng, ["Python", "7"])),
                12 => ("HerokuMetrics:HttpTimeout", "00:00:00"),
                13 => ("HerokuMetrics:InitialBackoff", "01:00:00"),
                14 => ("HerokuMetrics:Endpoint", "not a url"),

                // Misspelt keys, and a key removed (back to its default).
                < 18 => ("HerokuMetrics:" + Pick(rng, _misspelt), Pick(rng, ["00:00:02", "Both", "true"])),
                _ => ("HerokuMetrics:" + Pick(rng, ["PostInterval", "Schema", "HttpTimeout"]), null),
            });
        }

        return settings;
    }

    private static Cadence Cadence(Random rng) => new(Pick(rng, _everies), rng.Next(4));

    private static T Pick<T>(Random rng, IReadOnlyList<T> values) => values[rng.Next(values.Count)];

    private static int Weighted(Random rng, (int Value, int Weight)[] table)
    {
        var roll = rng.Next(table.Sum(t => t.Weight));
        foreach (var (value, weight) in table)
        {
            if ((roll -= weight) < 0)
            {
                return value;
            }
        }

        return table[^1].Value;
    }

    private static TimeSpan AtLeast(TimeSpan value, TimeSpan floor) =>
        value >= floor ? value : Ms((int)Math.Ceiling(floor.TotalSeconds) * 1_000);

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static string Hex(Random rng, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => rng.Next(16).ToString("x", CultureInfo.InvariantCulture)));
}
