using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Conclave.Signaling.Protocol;
using Microsoft.Extensions.Logging;

namespace Conclave.Signaling;

/// <summary>
/// One signaling WebSocket: reassembles messages up to the size cap, decodes them, enforces hello-first,
/// rate limits and strikes, hands requests to an <see cref="ISignalHandler"/> one at a time, and writes
/// replies and events through a single send loop so frames never interleave.
/// </summary>
public sealed class SignalConnection : ISignalSink
{
    private readonly WebSocket _socket; // Borrowed: the host owns and disposes it.
    private readonly SignalConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Outbound> _outbound;
    private readonly TokenBucket _rate;
    private readonly TokenBucket _strikes;
    private readonly CancellationTokenSource _closing = new(); // Owned
    private bool _authenticated;
    private int _closeRequested;

    /// <summary>Wraps an accepted WebSocket.</summary>
    public SignalConnection(WebSocket socket, SignalConnectionOptions options, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _time = time;
        _logger = logger;
        _outbound = Channel.CreateBounded<Outbound>(new BoundedChannelOptions(options.MaxQueuedMessages)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then refuses when full (DropWrite would report success).
        });
        _rate = new TokenBucket(options.RateBurst, options.RatePerSecond, time);
        _strikes = new TokenBucket(options.StrikeBurst, options.StrikesForgivenPerSecond, time);
    }

    /// <summary>How the connection ended, once <see cref="RunAsync"/> returned.</summary>
    public int? ServerCloseCode { get; private set; }

    /// <summary>Runs until the client or the server closes the connection.</summary>
    public async Task RunAsync(ISignalHandler handler, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        Task sendLoop = SendLoopAsync(linked.Token);
        bool clientClosedNormally = false;
        using var helloTimer = new CancellationTokenSource(_options.HelloTimeout, _time);
        using CancellationTokenRegistration helloRegistration = helloTimer.Token.Register(() =>
        {
            if (!Volatile.Read(ref _authenticated)) Close(CloseCodes.AuthenticationTimeout, "no valid hello in time");
        });
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_options.MaxMessageBytes);
        try
        {
            clientClosedNormally = await ReceiveLoopAsync(handler, buffer, linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // Server-side close or shutdown: the send loop writes the close frame.
        }
        catch (WebSocketException e)
        {
            _logger.LogDebug("Signaling connection dropped: {Error}", e.WebSocketErrorCode);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _outbound.Writer.TryComplete();
            await sendLoop;
            try
            {
                await handler.OnClosedAsync(clientClosedNormally);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Signaling close handler failed");
            }
        }
    }

    /// <inheritdoc />
    public bool TryPost(SignalMessage message)
    {
        if (_outbound.Writer.TryWrite(new Outbound(message, null, null))) return true;
        if (Volatile.Read(ref _closeRequested) == 0 && !_closing.IsCancellationRequested)
        {
            _logger.LogWarning("Signaling client too slow: {Queued} messages queued; closing", _options.MaxQueuedMessages);
            ServerCloseCode = CloseCodes.PolicyViolation;
            Interlocked.Exchange(ref _closeRequested, 1);
            _closing.Cancel();
        }
        return false;
    }

    /// <inheritdoc />
    public void Close(int closeCode, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0) return;
        if (_outbound.Writer.TryWrite(new Outbound(null, closeCode, reason)))
        {
            _outbound.Writer.TryComplete();
        }
        else if (!_closing.IsCancellationRequested)
        {
            ServerCloseCode = closeCode;
            _closing.Cancel();
        }
    }

    /// <summary>
    /// Reads messages until the client closes (returns whether it closed with 1000) or the connection is
    /// cancelled. Once the server has sent its close frame, incoming messages are drained unread until the
    /// client's close frame arrives (RFC 6455 §5.5.1), so the client reads the close code instead of a reset.
    /// </summary>
    private async Task<bool> ReceiveLoopAsync(ISignalHandler handler, byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            int length = 0;
            bool tooLarge = false;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == _options.MaxMessageBytes)
                {
                    tooLarge = true;
                    length = 0; // Keep reading to the end of the message, discarding it.
                }
                result = await _socket.ReceiveAsync(buffer.AsMemory(length, _options.MaxMessageBytes - length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    bool normal = _socket.CloseStatus == WebSocketCloseStatus.NormalClosure;
                    Close(CloseCodes.Normal, "bye");
                    return normal;
                }
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (Volatile.Read(ref _closeRequested) != 0) continue;
            if (tooLarge)
            {
                Reject(null, ErrorCodes.MessageTooLarge, $"messages are limited to {_options.MaxMessageBytes} bytes");
                Close(CloseCodes.MessageTooBig, "message too big");
            }
            else if (result.MessageType != WebSocketMessageType.Text)
            {
                Reject(null, ErrorCodes.BadRequest, "only text frames carry signaling messages");
            }
            else
            {
                await HandleMessageAsync(handler, buffer.AsSpan(0, length), cancellationToken);
            }
        }
    }

    private Task HandleMessageAsync(ISignalHandler handler, ReadOnlySpan<byte> utf8, CancellationToken cancellationToken)
    {
        DecodeResult decoded = SignalCodec.Decode(utf8);
        if (!_rate.TryTake())
        {
            Reject(decoded.RequestId, ErrorCodes.RateLimited, $"more than {_options.RatePerSecond} messages per second");
            return Task.CompletedTask;
        }
        if (!decoded.Ok)
        {
            Reject(decoded.RequestId, decoded.ErrorCode!, decoded.ErrorMessage!);
            return Task.CompletedTask;
        }
        return DispatchAsync(handler, decoded.Message!, cancellationToken);
    }

    private async Task DispatchAsync(ISignalHandler handler, SignalMessage message, CancellationToken cancellationToken)
    {
        bool isHello = message is HelloMessage;
        if (isHello == _authenticated)
        {
            Reject(message.RequestId, ErrorCodes.NotAuthenticated, isHello ? "already authenticated" : "send hello first");
            return;
        }

        SignalMessage reply;
        try
        {
            reply = isHello
                ? await handler.HelloAsync((HelloMessage)message, this, cancellationToken)
                : await handler.HandleAsync(message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Signaling handler failed on {MessageType}", message.GetType().Name);
            reply = new ErrorMessage { Code = ErrorCodes.Internal, Message = "the server failed to handle the message" };
        }

        if (isHello && reply is WelcomeMessage) Volatile.Write(ref _authenticated, true);
        TryPost(reply with { RequestId = message.RequestId });
        if (reply is ErrorMessage error && IsCallerFault(error.Code)) Strike();
    }

    // Refusals caused by the server's state (forbidden, locked, expired) are not abuse; malformed input is.
    private static bool IsCallerFault(string code) =>
        code is ErrorCodes.BadRequest or ErrorCodes.InvalidToken or ErrorCodes.NotAuthenticated;

    private void Reject(string? requestId, string code, string message)
    {
        TryPost(new ErrorMessage { RequestId = requestId, Code = code, Message = message });
        Strike();
    }

    private void Strike()
    {
        if (!_strikes.TryTake())
        {
            _logger.LogInformation("Closing signaling connection after repeated invalid messages");
            Close(CloseCodes.PolicyViolation, "too many invalid messages");
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (Outbound item in _outbound.Reader.ReadAllAsync(cancellationToken))
            {
                if (item.Message is { } message)
                {
                    byte[] bytes = SignalCodec.Encode(message);
                    await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                    continue;
                }
                ServerCloseCode ??= item.CloseCode;
                await CloseSocketAsync(item.CloseCode!.Value, item.Reason!);
                _closing.CancelAfter(_options.CloseHandshakeTimeout); // Wait this long for the client's close frame.
                return;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer vanished or the connection is being torn down; nothing left to deliver.
        }

        // The queue ended without a close frame: the receive loop already ended, or the client was too slow.
        _closing.Cancel();
    }

    private async Task CloseSocketAsync(int code, string reason)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
            await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the peer may already be gone.
        }
    }

    private readonly record struct Outbound(SignalMessage? Message, int? CloseCode, string? Reason);
}
