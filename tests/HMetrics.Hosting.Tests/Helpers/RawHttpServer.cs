using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// A TCP listener on 127.0.0.1 that speaks just enough HTTP/1.1 to misbehave in ways Kestrel will not: close the
/// connection half-way through a request, never send a status line, trickle bytes, or stream an endless body.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<RawConnection, CancellationToken, Task> _handle;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<string> _requests = Channel.CreateUnbounded<string>();
    private readonly Channel<object?> _handled = Channel.CreateUnbounded<object?>();
    private readonly Task _acceptLoop;

    private RawHttpServer(Func<RawConnection, CancellationToken, Task<object?>> handle)
    {
        _handle = async (connection, token) =>
        {
            object? result;
            try
            {
                result = await handle(connection, token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client hung up or the test ended: what the handler saw is reported through its own state.
                result = ex;
            }

            _ = _handled.Writer.TryWrite(result);
        };
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// Starts a server that runs <paramref name="handle"/> for every connection; its result (or the I/O exception that
    /// ended it) is what <see cref="HandledAsync"/> returns.
    /// </summary>
    public static RawHttpServer Start(Func<RawConnection, CancellationToken, Task<object?>> handle) => new(handle);

    public string Url(string scheme = "http", string path = "/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f") =>
        $"{scheme}://127.0.0.1:{Port}{path}";

    /// <summary>Waits (on a signal) until a handler has read a request head, and returns it.</summary>
    public async Task<string> NextRequestAsync(TimeSpan? realTimeout = null)
    {
        using var cts = new CancellationTokenSource(realTimeout ?? TimeSpan.FromSeconds(20));
        return await _requests.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Waits (on a signal) until a handler has finished, and returns its result.</summary>
    public async Task<object?> HandledAsync(TimeSpan? realTimeout = null)
    {
        using var cts = new CancellationTokenSource(realTimeout ?? TimeSpan.FromSeconds(20));
        return await _handled.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    internal void RequestSeen(string head) => _requests.Writer.TryWrite(head);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var connection = new RawConnection(this, client);
                    await _handle(connection, _stopping.Token);
                }
            });
        }
    }
}

/// <summary>One accepted connection.</summary>
internal sealed class RawConnection(RawHttpServer server, TcpClient client)
{
    public NetworkStream Stream { get; } = client.GetStream();

    public Socket Socket => client.Client;

    /// <summary>Reads the request line and headers (not the body) and tells the server a request arrived.</summary>
    public async Task<string> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await Stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("The client closed the connection before the end of the request head.");
            }

            _ = head.Append((char)one[0]);
        }

        var text = head.ToString();
        server.RequestSeen(text);
        return text;
    }

    /// <summary>Reads a whole request (head and Content-Length body).</summary>
    public async Task<string> ReadRequestAsync(CancellationToken cancellationToken)
    {
        var head = await ReadHeadAsync(cancellationToken);
        var length = head.Split("\r\n")
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var body = new byte[length];
        await Stream.ReadExactlyAsync(body, cancellationToken);
        return head;
    }

    public Task WriteAsync(string text, CancellationToken cancellationToken) =>
        Stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).AsTask();

    /// <summary>Closes with a TCP reset instead of an orderly shutdown.</summary>
    public void Abort()
    {
        Socket.LingerState = new LingerOption(true, 0);
        Socket.Close();
    }

    /// <summary>Blocks until the client goes away or the server stops; reads and discards whatever arrives.</summary>
    public async Task WaitForClientToLeaveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        while (await Stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }
}
