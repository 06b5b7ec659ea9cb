using System.Net;
using System.Net.Sockets;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// A loopback TCP proxy in front of the server that breaks the first connection carrying more than
/// <c>cutAfter</c> bytes toward the server (a reset, as when a network drops): the connections after it pass.
/// </summary>
internal sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _server;
    private readonly long _cutAfter;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _cuts;

    public CuttingProxy(Uri server, long cutAfter)
    {
        _server = new IPEndPoint(IPAddress.Parse(server.Host), server.Port);
        _cutAfter = cutAfter;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's address, in place of the server's.</summary>
    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>How many connections were broken (at most one).</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await server.ConnectAsync(_server, _stop.Token);
                using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                Task up = PumpAsync(client, server, cutting: true, connection);
                Task down = PumpAsync(server, client, cutting: false, connection);
                await Task.WhenAny(up, down);
                await connection.CancelAsync();
                await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // the other side went away
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool cutting, CancellationTokenSource connection)
    {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, connection.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                total += read;
                if (cutting && total > _cutAfter && Interlocked.CompareExchange(ref _cuts, 1, 0) == 0)
                {
                    from.LingerState = new LingerOption(true, 0);     // closing now sends a reset
                    to.LingerState = new LingerOption(true, 0);
                    from.Close();
                    to.Close();
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, read), connection.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the connection ended
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
