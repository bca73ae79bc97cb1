using System.Diagnostics;
using HMetrics.Hosting.Tests.Chaos.Generation;
using HMetrics.Hosting.Tests.Chaos.Hostile;

namespace HMetrics.Hosting.Tests.Chaos.Harness;

/// <summary>
/// Plays one scenario against the shared loopback servers and collects what it left behind.
/// </summary>
/// <remarks>
/// Fake time passes one due timer at a time, and after each the run waits (on signals) until the process is quiet:
/// every POST in flight has been answered and the library has gone back to waiting, or is held by the test for fake
/// time (slow headers, a hanging handler), and every started host is live. So a request takes no fake time unless the
/// scenario makes it, as on a real network, and a replay follows the same course.
/// </remarks>
internal sealed class ChaosRun
{
    /// <summary>How long (real time) the process may take to become quiet after a step: well beyond any loopback exchange.</summary>
    public static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(10);

    private readonly ChaosScenario _scenario;
    private readonly RunContext _run;
    private readonly List<ChaosHost> _hosts = [];
    private readonly List<string> _aborts = [];
    private readonly List<string> _stalls = [];
    private readonly ChaosHost?[] _running;
    private readonly int[] _incarnations;
    private CounterBracket? _lastStop;
    private bool _stalled;

    private ChaosRun(ChaosScenario scenario, RunContext run)
    {
        _scenario = scenario;
        _run = run;
        _running = new ChaosHost?[scenario.Hosts.Count];
        _incarnations = new int[scenario.Hosts.Count];
    }

    public static async Task<RunEvidence> ExecuteAsync(ChaosScenario scenario, ChaosServer server, ProxyServer proxy)
    {
        var baseline = await Calibration.LevelAsync(server, scenario.Seed);
        using var runEnded = new CancellationTokenSource();
        var clock = new ChaosClock();
        var tracker = new AttemptTracker();
        var holds = new ThreadHolds(clock, tracker.Changed);
        var endpoint = new RunEndpoint(scenario.Endpoint, clock, tracker, runEnded.Token);
        using var route = server.Route(scenario.Path, endpoint.HandleAsync);
        using var meters = new ChaosMeterListener(scenario.Meters);
        using var activities = new ChaosActivityListener(scenario.Activities);
        var run = new ChaosRun(scenario, new RunContext(scenario, clock, tracker, holds, endpoint, server.Port, proxy));
        RunEvidence evidence;
        try
        {
            await run.PlayAsync();
            evidence = new RunEvidence(
                scenario,
                [.. run._hosts.Select(h => h.Evidence())],
                endpoint.Receipts,
                tracker.All,
                clock.Segments,
                clock.Start,
                baseline,
                run._lastStop ?? new CounterBracket(ProcessReading.Now(), ProcessReading.Now()),
                [.. run._aborts],
                [.. run._stalls],
                [],
                [.. meters.Exported, .. activities.Exported],
                []);
        }
        finally
        {
            holds.ReleaseAll();
            await runEnded.CancelAsync();
            foreach (var host in run._hosts)
            {
                await host.DisposeAsync();
            }
        }

        return evidence with { Disposed = [.. run._hosts.Where(h => h.Disposed is not null).Select(h => (h.Name, h.Disposed!))] };
    }

    private async Task PlayAsync()
    {
        var aborted = false;
        foreach (var step in _scenario.Steps)
        {
            if (!await AdvanceAsync(step.At))
            {
                aborted = true;
                break;
            }

            await ApplyAsync(step);
            _ = await SettleAsync();
        }

        if (!aborted)
        {
            _ = await AdvanceAsync(_scenario.Length);
        }

        // The app shuts down: every host still running stops, one after the other.
        for (var slot = 0; slot < _running.Length; slot++)
        {
            if (_running[slot] is { Running: true } host)
            {
                await StopAsync(host);
            }
        }

        _ = await SettleAsync();
    }

    private async Task ApplyAsync(ChaosStep step)
    {
        switch (step.Kind)
        {
            case StepKind.Start:
                var plan = _scenario.Hosts[step.Host];
                var host = new ChaosHost(plan.Name + ++_incarnations[step.Host], plan, _run);
                _hosts.Add(host);
                _running[step.Host] = host;
                await host.StartAsync();
                break;
            case StepKind.Stop when _running[step.Host] is { Running: true } running:
                await StopAsync(running);
                break;
            case StepKind.Reload when _running[step.Host] is { Running: true } running:
                running.Reload(step.Settings!);
                break;
            case StepKind.JumpWallClock:
                _run.Clock.JumpWallClock(step.Amount);
                break;
            case StepKind.Collect:
                GC.Collect(step.Generation, GCCollectionMode.Forced, blocking: true);
                break;
            default:
                break;
        }
    }

    private async Task StopAsync(ChaosHost host)
    {
        // A stop waits for the reporter's execution, which a held thread would keep from ending: none is held, and
        // none begins to be, while it stops.
        using (_run.Holds.Stopping())
        {
            var before = ProcessReading.Now();
            await host.StopAsync();
            _lastStop = new CounterBracket(before, ProcessReading.Now());
        }
    }

    // Lets fake time pass to `target`, stopping at every due timer and waiting for quiet after each; false once a timer
    // callback has thrown (on a real timer thread the process would be gone).
    private async Task<bool> AdvanceAsync(TimeSpan target)
    {
        for (var steps = 0; steps < 100_000; steps++)
        {
            if (!await SettleAsync())
            {
                return false;
            }

            var next = Earliest(_run.Clock.NextDue(), _run.Holds.NextRelease());
            var to = next is { } due && due < target ? due : target;
            if (_run.Clock.AdvanceTo(to) is { } thrown)
            {
                _aborts.Add($"at {ChaosStep.Format(_run.Clock.Elapsed)} a timer callback threw, which on a real timer thread ends the process: {thrown}");
                return false;
            }

            _run.Holds.ReleaseDue();

            if (to >= target)
            {
                return await SettleAsync();
            }
        }

        _stalls.Add($"at {ChaosStep.Format(_run.Clock.Elapsed)} timers kept coming due without fake time reaching {ChaosStep.Format(target)}: {_run.Clock.Armed()}");
        return false;
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    // Waits until the process is quiet: every POST in flight answered (and the library gone back to waiting) or held by
    // the test for fake time and not cancelled, every started host live (its delivery loop included), and nothing queued
    // on the thread pool. Waits on signals for the first; activation and the pool's queue give none, so they are looked
    // at again after each pass through the queue, and must look quiet twice in a row. False once the process failed to become quiet within the bound (the run then goes
    // straight to stopping its hosts).
    private async Task<bool> SettleAsync()
    {
        if (_stalled)
        {
            return false;
        }

        var clock = Stopwatch.StartNew();
        var emptyLooks = 0;
        while (true)
        {
            var changed = _run.Tracker.Changed.Next;
            var moving = _run.Tracker.Moving();
            var starting = _hosts.Where(h => h.Running && (!h.Activated || h.AwaitingFirstSend)).ToList();
            var remaining = SettleBound - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                _stalled = true;
                _stalls.Add(
                    $"at {ChaosStep.Format(_run.Clock.Elapsed)} the process did not become quiet within {SettleBound.TotalSeconds} s (real): " +
                    $"attempts still in flight [{string.Join(", ", moving.Select(a => a.Id))}], hosts not live [{string.Join(", ", starting.Select(h => h.Name))}], " +
                    $"{ThreadPool.PendingWorkItemCount} work items queued on the thread pool");
                return false;
            }

            if (moving.Count > 0)
            {
                emptyLooks = 0;
                try
                {
                    await changed.WaitAsync(remaining);
                }
                catch (TimeoutException)
                {
                }

                continue;
            }

            // Activation, and some work the library queues (a deadline's cancellation, queued behind work already queued),
            // run on the pool, where no signal follows them: a host must have decided at start, the queue must have been
            // picked up, and what its work did must show.
            emptyLooks = starting.Count == 0 && ThreadPool.PendingWorkItemCount == 0 ? emptyLooks + 1 : 0;
            if (emptyLooks >= 2)
            {
                return true;
            }

            await Task.Yield();
        }
    }
}
