using HMetrics.Hosting.Tests.Chaos.Harness;
using HMetrics.Hosting.Tests.Chaos.Hostile;

namespace HMetrics.Hosting.Tests.Chaos;

/// <summary>What every run of the suite shares: the loopback endpoint, the refusing proxy and the process's exception watch.</summary>
public sealed class ChaosFixture : IAsyncLifetime
{
    internal ChaosServer Server { get; private set; } = null!;

    internal ProxyServer Proxy { get; private set; } = null!;

    internal ExceptionMonitor Monitor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ChaosServer.StartAsync();
        Proxy = new ProxyServer();
        Monitor = new ExceptionMonitor();
    }

    public async Task DisposeAsync()
    {
        Monitor.Dispose();
        await Proxy.DisposeAsync();
        await Server.DisposeAsync();
    }
}
