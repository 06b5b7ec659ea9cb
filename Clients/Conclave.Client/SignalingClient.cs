using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Conclave.Signaling.Protocol;

namespace Conclave.Client;

/// <summary>
/// One signaling WebSocket connection (docs/signaling.md). <see cref="ConnectAsync"/> opens it and authenticates
/// with <c>hello</c>; one reader task then decodes every server message: a reply, or an <c>error</c> carrying a
/// request id, completes the pending <see cref="RequestAsync{TReply}"/> with that id, and everything else (events,
/// unsolicited errors) goes to <see cref="Events"/>. After the welcome a heartbeat sends <c>ping</c> every
/// <see cref="WelcomeMessage.HeartbeatIntervalMs"/> unless <see cref="SignalingClientOptions.EnableHeartbeat"/> is off.
/// </summary>
/// <remarks>
/// A client connects once; to reconnect or resume, create another and pass <see cref="GetResumeRequest"/>.
/// Requests are not validated locally, so tests can send what a broken client would. Sends are serialized; all
/// members are thread-safe. Messages from the server larger than <see cref="SignalLimits.MaxServerMessageBytes"/> end
/// the connection (close code 1009). <see cref="Events"/> is unbounded so that a slow reader never stalls replies.
/// </remarks>
public sealed class SignalingClient : IAsyncDisposable
{
    private readonly SignalingClientOptions _options;
    private readonly ClientWebSocket _socket = new();                         // Owned
    private readonly SemaphoreSlim _sendLock = new(1, 1);                     // Owned
    private readonly CancellationTokenSource _lifetime = new();               // Owned: ends the receive and heartbeat loops
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SignalMessage>> _pending = new(StringComparer.Ordinal);
    private readonly Channel<SignalMessage> _events = Channel.CreateUnbounded<SignalMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<int?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _receiveLoop;
    private Task? _heartbeatLoop;
    private long _nextRequestId;
    private long _undecodable;
    private string? _helloRequestId;
    private int _opened;
    private int _terminated;
    private int _disposed;
    private string? _endReason;

    /// <summary>Creates an unconnected client.</summary>
    public SignalingClient(SignalingClientOptions? options = null) => _options = options ?? new SignalingClientOptions();

    /// <summary>The WebSocket URL, once <see cref="OpenAsync"/> has been called.</summary>
    public Uri? Endpoint { get; private set; }

    /// <summary>The last <c>welcome</c>, or null before the hello succeeded.</summary>
    public WelcomeMessage? Welcome { get; private set; }

    /// <summary>Server messages that answer no pending request: events and unsolicited errors. Completes when the connection ends.</summary>
    public ChannelReader<SignalMessage> Events => _events.Reader;

    /// <summary>
    /// Completes (never faults) when the connection has ended, with the code of the server's close frame
    /// (<see cref="CloseCodes"/>), or null when it ended without one (abort, network drop, oversized message).
    /// </summary>
    public Task<int?> Closed => _closed.Task;

    /// <summary>The code of the close frame the server sent, or null.</summary>
    public int? CloseStatus { get; private set; }

    /// <summary>The reason text of the server's close frame, or null.</summary>
    public string? CloseStatusDescription { get; private set; }

    /// <summary>True while the WebSocket is open.</summary>
    public bool IsOpen => Volatile.Read(ref _terminated) == 0 && _socket.State == WebSocketState.Open;

    /// <summary>Server messages that could not be decoded (unknown types, bad JSON) and were dropped.</summary>
    public long UndecodableMessageCount => Interlocked.Read(ref _undecodable);

    /// <summary>
    /// Opens the connection and sends <c>hello</c>; returns the <c>welcome</c>. On a <see cref="SignalingException"/>
    /// (e.g. <c>invalid-token</c>, <c>session-expired</c>) the connection stays as the server left it; dispose the client.
    /// </summary>
    /// <param name="server">The server base URL (http/https, the endpoint is <c>&lt;base&gt;/signal</c>) or the ws/wss endpoint itself.</param>
    /// <param name="token">The bearer token.</param>
    /// <param name="resume">The session to resume (see <see cref="GetResumeRequest"/>), or null for a new session.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ConclaveConnectionException">The WebSocket could not be opened.</exception>
    /// <exception cref="SignalingException">The server answered <c>hello</c> with an error.</exception>
    public async Task<WelcomeMessage> ConnectAsync(Uri server, string token, ResumeRequest? resume = null, CancellationToken cancellationToken = default)
    {
        await OpenAsync(server, cancellationToken).ConfigureAwait(false);
        return await HelloAsync(token, resume, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the WebSocket and starts the reader without sending <c>hello</c> (for tests of unauthenticated connections).</summary>
    /// <exception cref="ConclaveConnectionException">Refused, unreachable, TLS failure, timeout, or the upgrade was not accepted.</exception>
    /// <exception cref="InvalidOperationException">This client was already opened.</exception>
    public async Task OpenAsync(Uri server, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _opened, 1) != 0)
            throw new InvalidOperationException("a SignalingClient connects once; create another to reconnect");

        Uri endpoint = ServerUri.Signal(server);
        Endpoint = endpoint;
        _socket.Options.CollectHttpResponseDetails = true;
        if (CertificatePin.CallbackFor(_options) is { } callback)
            _socket.Options.RemoteCertificateValidationCallback = callback;

        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        connectTimeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await _socket.ConnectAsync(endpoint, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Terminate("the connection was never opened");
            HttpStatusCode? status = _socket.HttpStatusCode is 0 ? null : _socket.HttpStatusCode;
            string detail = e is OperationCanceledException ? $"no connection within {_options.ConnectTimeout.TotalSeconds:0.#} s"
                : status is { } s ? $"the server answered HTTP {(int)s} instead of a WebSocket upgrade"
                : Innermost(e).Message;
            throw new ConclaveConnectionException(endpoint, $"cannot open {endpoint}: {detail}", e,
                (e as HttpRequestException ?? e.InnerException as HttpRequestException)?.HttpRequestError ?? HttpRequestError.Unknown, status);
        }
        catch
        {
            Terminate("the connection was never opened");
            throw;
        }

        _receiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);
    }

    /// <summary>
    /// Sends <c>hello</c> and waits for <c>welcome</c>; starts the heartbeat after the first welcome. A welcome or
    /// error without a request id that arrives while hello is pending is taken as its answer.
    /// </summary>
    public async Task<WelcomeMessage> HelloAsync(string token, ResumeRequest? resume = null, CancellationToken cancellationToken = default)
    {
        string id = NextRequestId();
        Volatile.Write(ref _helloRequestId, id);
        WelcomeMessage welcome;
        try
        {
            welcome = await RequestAsync<WelcomeMessage>(new HelloMessage { Token = token, Resume = resume, RequestId = id }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.CompareExchange(ref _helloRequestId, null, id);
        }
        Welcome = welcome;
        StartHeartbeat(welcome);
        return welcome;
    }

    /// <summary>The session and secret to resume this connection's session from another client, or null before the welcome.</summary>
    public ResumeRequest? GetResumeRequest() => Welcome is { } w ? new ResumeRequest(w.SessionId, w.ResumeToken) : null;

    /// <summary><c>join</c> → <c>joined</c> (the roster, including this session).</summary>
    public Task<JoinedMessage> JoinAsync(string room, CancellationToken cancellationToken = default) =>
        RequestAsync<JoinedMessage>(new JoinMessage { Room = room }, cancellationToken);

    /// <summary><c>leave</c> → <c>left</c>.</summary>
    public Task<LeftMessage> LeaveAsync(CancellationToken cancellationToken = default) =>
        RequestAsync<LeftMessage>(new LeaveMessage(), cancellationToken);

    /// <summary><c>update</c> → <c>updated</c>.</summary>
    public Task<UpdatedMessage> UpdateDisplayNameAsync(string displayName, CancellationToken cancellationToken = default) =>
        RequestAsync<UpdatedMessage>(new UpdateMessage { DisplayName = displayName }, cancellationToken);

    /// <summary><c>ping</c> → <c>pong</c>.</summary>
    public Task<PongMessage> PingAsync(CancellationToken cancellationToken = default) =>
        RequestAsync<PongMessage>(new PingMessage(), cancellationToken);

    /// <summary>
    /// Sends <paramref name="request"/> with its <see cref="SignalMessage.RequestId"/>, or a fresh one when it has
    /// none, and waits for the message that echoes it.
    /// </summary>
    /// <typeparam name="TReply">The expected reply; <see cref="ErrorMessage"/> to receive errors as values.</typeparam>
    /// <exception cref="SignalingException">The server answered with <c>error</c> (its code), or with another message type.</exception>
    /// <exception cref="SignalingClosedException">The connection ended before the reply.</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="ConclaveClientOptions.RequestTimeout"/>.</exception>
    public async Task<TReply> RequestAsync<TReply>(SignalMessage request, CancellationToken cancellationToken = default) where TReply : SignalMessage
    {
        ArgumentNullException.ThrowIfNull(request);
        string id = request.RequestId ?? NextRequestId();
        var reply = new TaskCompletionSource<SignalMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(id, reply))
            throw new InvalidOperationException($"request id '{id}' is already waiting for a reply");
        Interlocked.MemoryBarrier();                                  // pairs with Terminate: the entry is failed or we see _terminated
        SignalMessage answer;
        try
        {
            if (Volatile.Read(ref _terminated) != 0) throw ClosedException(null);
            await SendAsync(request.RequestId == id ? request : request with { RequestId = id }, cancellationToken).ConfigureAwait(false);
            answer = await reply.Task.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"no reply to {TypeName(request)} (id {id}) within {_options.RequestTimeout.TotalSeconds:0.#} s", e);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }

        return answer switch
        {
            TReply typed => typed,
            ErrorMessage error => throw new SignalingException(error.Code, error.Message) { RequestId = id },
            _ => throw new SignalingException(SignalingException.UnexpectedReplyCode,
                $"expected {typeof(TReply).Name} in reply to {TypeName(request)} but the server sent {answer.GetType().Name}") { RequestId = id },
        };
    }

    /// <summary>
    /// Reads <see cref="Events"/> until a <typeparamref name="T"/> matching <paramref name="predicate"/> arrives;
    /// other events read on the way are dropped.
    /// </summary>
    /// <exception cref="SignalingClosedException">The connection ended first.</exception>
    public async Task<T> ReadEventAsync<T>(Func<T, bool>? predicate = null, CancellationToken cancellationToken = default) where T : SignalMessage
    {
        while (await _events.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_events.Reader.TryRead(out SignalMessage? message))
            {
                if (message is T typed && (predicate is null || predicate(typed))) return typed;
            }
        }
        throw ClosedException(null);
    }

    /// <summary>Sends one message as given (no request id is added; nothing waits for a reply).</summary>
    /// <exception cref="SignalingClosedException">The connection is not open.</exception>
    public Task SendAsync(SignalMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendFrameAsync(SignalCodec.Encode(message), WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Sends <paramref name="text"/> as one text frame, unchecked (for tests of malformed input).</summary>
    public Task SendRawAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendFrameAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Sends <paramref name="data"/> as one frame of <paramref name="messageType"/>, unchecked (any size).</summary>
    public Task SendRawAsync(ReadOnlyMemory<byte> data, WebSocketMessageType messageType = WebSocketMessageType.Text, CancellationToken cancellationToken = default)
    {
        if (messageType == WebSocketMessageType.Close) throw new ArgumentException("use CloseAsync to close", nameof(messageType));
        return SendFrameAsync(data, messageType, cancellationToken);
    }

    /// <summary>
    /// Closes with a close handshake (RFC 6455 §7.1.2) and waits for the server's close frame, aborting after
    /// <see cref="SignalingClientOptions.CloseTimeout"/>. Idempotent.
    /// </summary>
    public async Task CloseAsync(int closeStatus = CloseCodes.Normal, string? description = null, CancellationToken cancellationToken = default)
    {
        if (_receiveLoop is not { } loop) return;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(_options.CloseTimeout);   // cancelling aborts the socket
                await _socket.CloseOutputAsync((WebSocketCloseStatus)closeStatus, description, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort();
        }
        finally
        {
            _sendLock.Release();
        }

        try
        {
            await loop.WaitAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _socket.Abort();
            await loop.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Drops the TCP connection without a close handshake, as a network failure would (<see cref="ClientWebSocket.Abort"/>),
    /// and waits for the reader to stop. <see cref="Closed"/> then completes with null.
    /// </summary>
    public async Task AbortAsync()
    {
        _socket.Abort();
        if (_receiveLoop is { } loop) await loop.ConfigureAwait(false);
        else Terminate("aborted");
    }

    /// <summary>Closes gracefully when still open (see <see cref="CloseAsync"/>), stops the loops and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_receiveLoop is not null && IsOpen)
        {
            try
            {
                await CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Disposal must not fail; the abort below ends the connection anyway.
            }
        }

        _socket.Abort();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_receiveLoop is { } loop) await loop.ConfigureAwait(false);
        Terminate("the client was disposed");
        if (_heartbeatLoop is { } heartbeat) await heartbeat.ConfigureAwait(false);

        _socket.Dispose();
        _sendLock.Dispose();
        _lifetime.Dispose();
    }

    private async Task SendFrameAsync(ReadOnlyMemory<byte> data, WebSocketMessageType messageType, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _opened) == 0) throw new InvalidOperationException("the client is not connected; call ConnectAsync first");
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _terminated) != 0 || _socket.State != WebSocketState.Open) throw ClosedException(null);
            // Not the caller's token: cancelling a WebSocket send aborts the whole connection.
            await _socket.SendAsync(data, messageType, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException)
        {
            throw ClosedException(e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // One per connection, reused for every message; it grows, up to MaxServerMessageBytes, for a large call's roster.
        byte[] buffer = new byte[SignalLimits.MaxMessageBytes];
        string reason = "the connection dropped";
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length && buffer.Length < SignalLimits.MaxServerMessageBytes)
                    {
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, SignalLimits.MaxServerMessageBytes));
                    }
                    else if (length == buffer.Length)
                    {
                        reason = $"the server sent a message over {SignalLimits.MaxServerMessageBytes} bytes";
                        await CloseOutputBestEffortAsync(WebSocketCloseStatus.MessageTooBig, "message too big").ConfigureAwait(false);
                        _socket.Abort();
                        return;
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _lifetime.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        CloseStatus = (int?)_socket.CloseStatus;
                        CloseStatusDescription = _socket.CloseStatusDescription;
                        reason = "the server closed the connection";
                        // RFC 6455 §5.5.1: answer the close frame, echoing its status code.
                        if (_socket.State == WebSocketState.CloseReceived)
                            await CloseOutputBestEffortAsync(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
                        return;
                    }
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                Dispatch(buffer.AsSpan(0, length));
            }
        }
        catch (OperationCanceledException)
        {
            reason = "the client was disposed";
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            reason = $"the connection dropped ({Innermost(e).Message})";
        }
        finally
        {
            Terminate(reason);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> utf8)
    {
        TaskCompletionSource<SignalMessage>? pending;
        SignalMessage? message = SignalCodec.DecodeServerMessage(utf8);
        if (message is null)
        {
            Interlocked.Increment(ref _undecodable);
            if (TryReadRequestId(utf8) is { } badId && _pending.TryRemove(badId, out pending))
                pending.TrySetException(new SignalingException(SignalingException.UnexpectedReplyCode, "the server's reply could not be decoded") { RequestId = badId });
            return;
        }

        if (message.RequestId is { } id && _pending.TryRemove(id, out pending))
        {
            pending.TrySetResult(message);
            return;
        }
        if (message.RequestId is null && message is WelcomeMessage or ErrorMessage
            && Volatile.Read(ref _helloRequestId) is { } helloId && _pending.TryRemove(helloId, out pending))
        {
            pending.TrySetResult(message);
            return;
        }
        _events.Writer.TryWrite(message);
    }

    private void Terminate(string reason)
    {
        if (Interlocked.Exchange(ref _terminated, 1) != 0) return;
        _endReason = reason;
        foreach (KeyValuePair<string, TaskCompletionSource<SignalMessage>> entry in _pending)
        {
            if (_pending.TryRemove(entry.Key, out TaskCompletionSource<SignalMessage>? pending))
                pending.TrySetException(ClosedException(null));
        }
        _events.Writer.TryComplete();
        try
        {
            _lifetime.Cancel();                                       // stops the heartbeat
        }
        catch (ObjectDisposedException)
        {
            // Disposal already finished with the token.
        }
        _closed.TrySetResult(CloseStatus);
    }

    private void StartHeartbeat(WelcomeMessage welcome)
    {
        if (!_options.EnableHeartbeat || welcome.HeartbeatIntervalMs <= 0 || _heartbeatLoop is not null) return;
        _heartbeatLoop = HeartbeatLoopAsync(TimeSpan.FromMilliseconds(welcome.HeartbeatIntervalMs), _lifetime.Token);
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await PingAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SignalingClosedException)
                {
                    return;
                }
                catch (Exception e) when (e is SignalingException or TimeoutException)
                {
                    // Rate-limited or slow: the next tick tries again; the server decides when the session expires.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended or the client was disposed.
        }
    }

    private async Task CloseOutputBestEffortAsync(WebSocketCloseStatus status, string? description)
    {
        if (!await _sendLock.WaitAsync(_options.CloseTimeout).ConfigureAwait(false)) return;
        try
        {
            using var timeout = new CancellationTokenSource(_options.CloseTimeout);
            await _socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer is gone; nothing more to say to it.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private SignalingClosedException ClosedException(Exception? inner)
    {
        string reason = _endReason ?? "the connection is not open";
        string code = CloseStatus is { } status ? $" (close code {status}{(string.IsNullOrEmpty(CloseStatusDescription) ? "" : $": {CloseStatusDescription}")})" : "";
        return new SignalingClosedException(CloseStatus, reason + code, inner);
    }

    private string NextRequestId() => "c" + Interlocked.Increment(ref _nextRequestId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string TypeName(SignalMessage message) => message.GetType().Name.Replace("Message", "", StringComparison.Ordinal);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    // The id of a message the codec rejected, so that its request fails at once instead of timing out.
    private static string? TryReadRequestId(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read()) return null;
                if (isId) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON at all.
        }
        return null;
    }
}
