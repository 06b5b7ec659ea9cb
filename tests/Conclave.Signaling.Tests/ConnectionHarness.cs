using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Conclave.Signaling.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conclave.Signaling.Tests;

/// <summary>
/// A real <see cref="SignalConnection"/> on the server end of a loopback TCP connection, with a raw
/// client <see cref="WebSocket"/> on the other end. Every wait is bounded by <see cref="Guard"/> so a
/// broken server fails the test instead of hanging it; no test asserts on time.
/// </summary>
internal sealed class ConnectionHarness : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly TcpClient _clientTcp;
    private readonly TcpClient _serverTcp;
    private readonly CancellationTokenSource _guard;
    private readonly CancellationTokenSource _shutdown = new();

    private ConnectionHarness(TcpClient clientTcp, TcpClient serverTcp, SignalConnectionOptions options, TimeProvider time)
    {
        _clientTcp = clientTcp;
        _serverTcp = serverTcp;
        _guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _guard.CancelAfter(Guard);
        Client = WebSocket.CreateFromStream(clientTcp.GetStream(), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        ServerSocket = WebSocket.CreateFromStream(serverTcp.GetStream(), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        Connection = new SignalConnection(ServerSocket, options, time, NullLogger.Instance);
        Run = Task.Run(() => Connection.RunAsync(Handler, _shutdown.Token));
    }

    public WebSocket Client { get; }

    public WebSocket ServerSocket { get; }

    public SignalConnection Connection { get; }

    public RecordingHandler Handler { get; } = new();

    /// <summary>The server's <see cref="SignalConnection.RunAsync"/>.</summary>
    public Task Run { get; }

    /// <summary>Cancelled when the test overruns <see cref="Guard"/>.</summary>
    public CancellationToken Token => _guard.Token;

    /// <summary>Options with a hello deadline far enough away not to matter unless a test sets it.</summary>
    public static SignalConnectionOptions Options() => new() { HelloTimeout = TimeSpan.FromMinutes(5) };

    /// <param name="time">The connection's clock; the system's unless set.</param>
    /// <param name="socketBufferBytes">When set, shrinks the client's receive and the server's send buffers.</param>
    public static async Task<ConnectionHarness> StartAsync(SignalConnectionOptions? options = null, TimeProvider? time = null, int? socketBufferBytes = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        try
        {
            if (socketBufferBytes is { } size) client.ReceiveBufferSize = size;
            Task connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            TcpClient server = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
            await connect;
            server.NoDelay = true;
            if (socketBufferBytes is { } sendSize) server.SendBufferSize = sendSize;
            return new ConnectionHarness(client, server, options ?? Options(), time ?? TimeProvider.System);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        finally
        {
            listener.Stop();
        }
    }

    public Task SendAsync(string json) => SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type, int? fragmentBytes = null)
    {
        int step = fragmentBytes ?? Math.Max(bytes.Length, 1);
        int offset = 0;
        do
        {
            int count = Math.Min(step, bytes.Length - offset);
            await Client.SendAsync(bytes.AsMemory(offset, count), type, endOfMessage: offset + count == bytes.Length, Token);
            offset += count;
        }
        while (offset < bytes.Length);
    }

    /// <summary>Reads the next message, or the server's close frame (then <c>Message</c> is null).</summary>
    public async Task<(SignalMessage? Message, WebSocketCloseStatus? CloseStatus)> ReceiveAsync()
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            ValueWebSocketReceiveResult result = await Client.ReceiveAsync(buffer.GetMemory(4096), Token);
            if (result.MessageType == WebSocketMessageType.Close) return (null, Client.CloseStatus);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            buffer.Advance(result.Count);
            if (!result.EndOfMessage) continue;
            SignalMessage? message = SignalCodec.DecodeServerMessage(buffer.WrittenSpan);
            Assert.True(message is not null, $"undecodable server message: {Encoding.UTF8.GetString(buffer.WrittenSpan)}");
            return (message, null);
        }
    }

    public async Task<T> ExpectAsync<T>(string? requestId) where T : SignalMessage
    {
        (SignalMessage? message, WebSocketCloseStatus? status) = await ReceiveAsync();
        Assert.True(message is not null, $"expected {typeof(T).Name}, got close {status}");
        if (message is ErrorMessage error && typeof(T) != typeof(ErrorMessage))
            Assert.Fail($"expected {typeof(T).Name}, got error {error.Code}: {error.Message}");
        var typed = Assert.IsType<T>(message);
        Assert.Equal(requestId, typed.RequestId);
        return typed;
    }

    public async Task ExpectErrorAsync(string code, string? requestId)
    {
        ErrorMessage error = await ExpectAsync<ErrorMessage>(requestId);
        Assert.Equal(code, error.Code);
    }

    /// <summary>Reads the server's close frame, answers it as a browser does (echoing the code), and waits for the server to finish.</summary>
    public async Task ExpectCloseAsync(int code)
    {
        (SignalMessage? message, WebSocketCloseStatus? status) = await ReceiveAsync();
        Assert.True(message is null, $"expected close {code}, got {message?.GetType().Name}");
        Assert.Equal<int?>(code, (int?)status);
        Task answer = Client.CloseOutputAsync(status!.Value, "ok", Token);
        await Run.WaitAsync(Token);
        Assert.Equal<int?>(code, Connection.ServerCloseCode);
        // As the host does once RunAsync returns; a client waits for this after the close handshake.
        ServerSocket.Dispose();
        _serverTcp.Dispose();
        await answer;
        Assert.Equal(WebSocketState.Closed, Client.State);
    }

    public async Task HelloAsync()
    {
        await SendAsync("""{"v":1,"type":"hello","id":"hello","token":"good"}""");
        await ExpectAsync<WelcomeMessage>("hello");
    }

    public async ValueTask DisposeAsync()
    {
        _shutdown.Cancel();
        Client.Abort();
        Client.Dispose();
        _clientTcp.Dispose();
        try
        {
            await Run.WaitAsync(Guard, TestContext.Current.CancellationToken);
        }
        finally
        {
            ServerSocket.Dispose();
            _serverTcp.Dispose();
            _guard.Dispose();
            _shutdown.Dispose();
            Assert.False(Handler.Overlapped, "handler calls overlapped");
        }
    }
}
