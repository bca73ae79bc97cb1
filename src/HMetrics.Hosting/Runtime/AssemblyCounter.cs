using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Counts the assemblies loaded in the process, the value of <c>AppDomain.CurrentDomain.GetAssemblies().Length</c>,
/// without building that array at every report.
/// </summary>
/// <remarks>
/// <see cref="AppDomain.GetAssemblies"/> allocates an array of every loaded assembly at each call. The count is taken
/// once, then kept up to date by <see cref="AppDomain.AssemblyLoad"/>, which the runtime raises for every assembly that
/// <c>GetAssemblies</c> lists (static, dynamic and collectible alike). Only a collectible
/// <see cref="AssemblyLoadContext"/> can make the count go down, and its assemblies leave the list when a full GC has
/// collected them; so once such a context has begun unloading, the count is re-taken from <c>GetAssemblies</c> after
/// each generation-2 collection. Apps that never unload a context never pay for that.
/// </remarks>
internal sealed class AssemblyCounter : IDisposable
{
    private readonly ConditionalWeakTable<AssemblyLoadContext, object> _watched = [];
    private readonly object _watchedMarker = new();
    private int _loadCount;
    private int _offset;
    private volatile bool _unloadSeen;
    private int _resyncedAtGen2 = -1;
    private readonly IDisposable _loads;

    public AssemblyCounter()
    {
        // Subscribed before the snapshot so no later load is missed; a load racing the snapshot itself can be counted
        // once too often or too rarely, which is the same uncertainty GetAssemblies has while assemblies load.
        _loads = Guard.OnAssemblyLoad(OnAssemblyLoad);
        var assemblies = AppDomain.CurrentDomain.GetAssemblies();
        foreach (var assembly in assemblies)
        {
            Watch(assembly);
        }

        _offset = assemblies.Length - Volatile.Read(ref _loadCount);
    }

    /// <summary>Reads the number of loaded assemblies.</summary>
    public long Read()
    {
        if (_unloadSeen)
        {
            var gen2 = GC.CollectionCount(2);
            if (gen2 != _resyncedAtGen2)
            {
                _resyncedAtGen2 = gen2;
                var loads = Volatile.Read(ref _loadCount);
                _offset = AppDomain.CurrentDomain.GetAssemblies().Length - loads;
            }
        }

        return _offset + Volatile.Read(ref _loadCount);
    }

    public void Dispose() => _loads.Dispose();

    private void OnAssemblyLoad(Assembly assembly)
    {
        _ = Interlocked.Increment(ref _loadCount);
        Watch(assembly);
    }

    private void Watch(Assembly assembly)
    {
        if (AssemblyLoadContext.GetLoadContext(assembly) is { IsCollectible: true } context
            && _watched.TryAdd(context, _watchedMarker))
        {
            // The context holds the handler, not the other way round, so watching it does not keep it alive.
            Guard.OnUnloading(context, () => _unloadSeen = true);
        }
    }
}
