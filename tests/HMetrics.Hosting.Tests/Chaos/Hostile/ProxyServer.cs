using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HMetrics.Hosting.Tests.Chaos.Hostile;

/// <summary>
/// A forward proxy on 127.0.0.1 that refuses every request with <c>407 Proxy Authentication Required</c>, whatever
/// credentials come: the CONNECT of an https endpoint then fails, and .NET's exception names the proxy URL.
/// </summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    private static readonly byte[] _refusal = Encoding.ASCII.GetBytes(
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"chaos\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public ProxyServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The proxy's URL with user-info, as an app puts it in <c>HTTPS_PROXY</c> or a <see cref="WebProxy"/>.</summary>
    public Uri Url(string user, string password) => new($"http://{user}:{password}@127.0.0.1:{Port}");

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            _ = RefuseAsync(client);
        }
    }

    private async Task RefuseAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[1024];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16_384)
                {
                    var read = await stream.ReadAsync(buffer, _stopping.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    _ = head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                await stream.WriteAsync(_refusal, _stopping.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client left first, or the suite ended.
            }
        }
    }
}
