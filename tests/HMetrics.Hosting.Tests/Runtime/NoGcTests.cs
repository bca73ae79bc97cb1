using HMetrics.Hosting.Tests.Helpers;
using System.Runtime;

namespace HMetrics.Hosting.Tests.Runtime;

/// <summary>
/// Tests that need the process to themselves: they count GCs or assemblies, or induce GCs, so nothing else may run
/// beside them. xUnit runs a collection without parallelization after all the parallel ones.
/// </summary>
[CollectionDefinition(nameof(ProcessWideCollection), DisableParallelization = true)]
public sealed class ProcessWideCollection;

[Collection(nameof(ProcessWideCollection))]
public sealed class NoGcTests
{
    private const int Iterations = 10_000;

    // Enough for whatever the test host's own threads allocate during the loop; the loop itself must use none of it.
    private const long NoGcBudget = 64L * 1024 * 1024;

    [Theory]
    [InlineData(HerokuMetricsSchema.Go)]
    [InlineData(HerokuMetricsSchema.DotNet)]
    [InlineData(HerokuMetricsSchema.Both)]
    public void Ten_thousand_samples_taken_and_written_allocate_nothing_and_cause_no_GC(HerokuMetricsSchema schema)
    {
        // The production path: the sampler reads into a backlog slot, the sender writes the body from it.
        using var reader = new RuntimeReader(new ProcessCounterLedger());
        var backlog = new SampleBacklog(TimeSpan.FromSeconds(20));
        var writer = new ReportBodyWriter();
        var body = new System.Buffers.ArrayBufferWriter<byte>(2048);
        var now = TimeSpan.Zero;
        int Sample()
        {
            now += TimeSpan.FromSeconds(20);
            _ = backlog.Add(DateTimeOffset.UnixEpoch, now, static (sample, state) =>
            {
                sample.Schema = state.Schema;
                state.Reader.Read(state.Schema, sample.Counters, sample.Gauges);
            }, (Reader: reader, Schema: schema));
            _ = backlog.TryBeginSend(out var taken);
            body.ResetWrittenCount();
            _ = writer.Write(taken.Schema, taken.Counters, taken.Gauges, body);
            backlog.EndSend(remove: true);
            return body.WrittenCount;
        }

        // Warm-up: the body buffer reaches its size, the JIT is done, the GC-info cache is filled.
        for (var i = 0; i < 100; i++)
        {
            _ = Sample();
        }

        // The no-GC region keeps other threads' allocations from starting a GC (which would refresh the GC-info cache, a
        // legitimate allocation), so any GC counted below was induced by the code under test, and it would end the region.
        Assert.True(GC.TryStartNoGCRegion(NoGcBudget), "the runtime refused a no-GC region");
        int[] before;
        var allocations = new List<long>();
        var written = 0;
        bool stillInRegion;
        try
        {
            // Starting the region ran a GC: the first report after any GC fetches the new GC info (~288 B), once.
            _ = Sample();
            before = CollectionCounts();

            // Steady state, not first times: the first time another thread contends a runtime lock this code takes (the
            // timer queues' lock behind Timer.ActiveCount), the runtime inflates it and allocates its lock object, once
            // per process. So a pass of 10,000 may see that one-off; a cost per report would show in every pass.
            for (var pass = 0; pass < 3; pass++)
            {
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < Iterations; i++)
                {
                    written += Sample();
                }

                allocations.Add(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
                if (allocations[^1] == 0)
                {
                    break;
                }
            }

            stillInRegion = GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;
        }
        finally
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }

        Assert.True(written > Iterations * 20, "the loop must really have written bodies");
        Assert.True(stillInRegion, "a GC ended the no-GC region during the loop");
        Assert.Equal(before, CollectionCounts());
        Assert.True(allocations[^1] == 0, "bytes allocated by each pass of 10,000 collections: " + string.Join(", ", allocations));
        Assert.All(allocations, bytes => Assert.True(bytes < 1024, $"{bytes} B in one pass is more than a one-off"));
    }

    [Fact]
    public void The_assembly_count_follows_loads_and_unloads_without_asking_for_the_list()
    {
        using var assemblies = new AssemblyCounter();
        Assert.Equal(AppDomain.CurrentDomain.GetAssemblies().Length, assemblies.Read());

        var weak = LoadCollectibleAndUnload(assemblies);

        for (var i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weak.IsAlive, "the collectible context was not collected");
        Assert.Equal(AppDomain.CurrentDomain.GetAssemblies().Length, assemblies.Read());
    }

    [Fact]
    public void Sizes_after_the_last_GC_are_those_of_the_last_GC()
    {
        using var probe = new SampleProbe(new ProcessCounterLedger());
        _ = probe.Read(HerokuMetricsSchema.DotNet);

        // Starting a no-GC region runs a GC and then none can run until it ends: the runtime's answer is stable.
        Assert.True(GC.TryStartNoGCRegion(NoGcBudget));
        GCMemoryInfo info;
        Dictionary<string, double> gauges;
        try
        {
            info = GC.GetGCMemoryInfo();
            gauges = Gauges(probe.Write(probe.Read(HerokuMetricsSchema.DotNet)));
        }
        finally
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }

        Assert.Equal(info.TotalCommittedBytes, gauges["dotnet.gc.last_collection.memory.committed_size"]);
        string[] generations = ["gen0", "gen1", "gen2", "loh", "poh"];
        for (var gen = 0; gen < generations.Length; gen++)
        {
            Assert.Equal(info.GenerationInfo[gen].SizeAfterBytes, gauges["dotnet.gc.last_collection.heap.size." + generations[gen]]);
            Assert.Equal(info.GenerationInfo[gen].FragmentationAfterBytes, gauges["dotnet.gc.last_collection.heap.fragmentation.size." + generations[gen]]);
        }
    }

    [Fact]
    public void Collections_are_counted_in_the_generation_they_collected()
    {
        using var probe = new SampleProbe(new ProcessCounterLedger());
        _ = probe.Read(HerokuMetricsSchema.Both);

        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);

        // Read inside a no-GC region so no GC can fall between the readings of one sample.
        Assert.True(GC.TryStartNoGCRegion(NoGcBudget));
        try
        {
            _ = probe.Read(HerokuMetricsSchema.Both);
        }
        finally
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }

        var body = probe.Write(probe.Sample).ToArray();
        var counters = Counters(body);

        Assert.True(counters["dotnet.gc.collections.gen1"] >= 1, "the gen-1 GC");
        Assert.True(counters["dotnet.gc.collections.gen2"] >= 2, "the two gen-2 GCs");
        Assert.Equal(
            counters["go.gc.collections"],
            counters["dotnet.gc.collections.gen0"] + counters["dotnet.gc.collections.gen1"] + counters["dotnet.gc.collections.gen2"]);
    }

    [Fact]
    public void Exceptions_thrown_and_caught_are_counted()
    {
        using var probe = new SampleProbe(new ProcessCounterLedger());
        _ = probe.Read(HerokuMetricsSchema.DotNet);

        for (var i = 0; i < 3; i++)
        {
            try
            {
                throw new InvalidOperationException("counted");
            }
            catch (InvalidOperationException)
            {
            }
        }

        // At least: a thread of the test host may throw one of its own meanwhile.
        Assert.InRange(Counters(probe.Write(probe.Read(HerokuMetricsSchema.DotNet)))["dotnet.exceptions"], 3, 10);
    }

    private static WeakReference LoadCollectibleAndUnload(AssemblyCounter assemblies)
    {
        var context = new System.Runtime.Loader.AssemblyLoadContext("hmetrics-test", isCollectible: true);
        _ = context.LoadFromAssemblyPath(typeof(FactAttribute).Assembly.Location);
        Assert.Equal(AppDomain.CurrentDomain.GetAssemblies().Length, assemblies.Read());
        context.Unload();
        return new WeakReference(context);
    }

    private static int[] CollectionCounts() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    private static Dictionary<string, double> Counters(ReadOnlyMemory<byte> body) => Members(body, "counters");

    private static Dictionary<string, double> Gauges(ReadOnlyMemory<byte> body) => Members(body, "gauges");

    private static Dictionary<string, double> Members(ReadOnlyMemory<byte> body, string name)
    {
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }
}
