namespace Conclave.E2ee.Calls;

/// <summary>One message of the key distribution protocol: <paramref name="Data"/> (JSON text) for the session <paramref name="To"/>.</summary>
/// <param name="To">The recipient's session id in the call.</param>
/// <param name="Data">The signed message (<c>{"body":text,"sig":b64}</c>, see <see cref="CallKeys"/>), opaque to the server.</param>
public readonly record struct CallKeyMessage(string To, string Data);

/// <summary>
/// How <see cref="CallKeys"/> reaches the other participants: one signaling request (<c>e2ee-send</c>,
/// <c>{ messages: [{ to, data }] }</c>) per call, which the server relays to each recipient in the same call as an
/// <c>e2ee</c> event <c>{ room, from, data }</c>; the client passes those to <see cref="CallKeys.ReceiveAsync"/>.
/// </summary>
public interface ICallKeyTransport
{
    /// <summary>Sends a batch of messages in one request. A recipient that left meanwhile is simply not delivered to;
    /// a failure (the connection dropped) may throw: <see cref="CallKeys"/> ignores it, and the protocol's <c>need</c>
    /// heals the member later.</summary>
    Task SendAsync(IReadOnlyList<CallKeyMessage> messages, CancellationToken cancellationToken);
}

/// <summary>
/// Where <see cref="CallKeys"/> puts the keys it derives: the SFrame sender of this device's tracks and the receivers
/// of everyone else's (e.g. <see cref="SFrame.SFrameSender.SetKey"/>, <see cref="SFrame.SFrameReceiver.AddKey"/>).
/// Called inside <see cref="CallKeys"/>'s serialised operations; the base key span is wiped after the call returns.
/// </summary>
public interface ICallKeySink
{
    /// <summary>Encrypt this device's frames from now on with <paramref name="baseKey"/> under KID <paramref name="kid"/>.</summary>
    void SetSendKey(ulong kid, ReadOnlySpan<byte> baseKey);

    /// <summary>Accept frames under KID <paramref name="kid"/> (another participant's key of some epoch), keeping the keys already added.</summary>
    void AddReceiveKey(ulong kid, ReadOnlySpan<byte> baseKey);
}

/// <summary>Counts of what a <see cref="CallKeys"/> sent and received, for benchmarks and tests.</summary>
/// <param name="Sends">Requests made through <see cref="ICallKeyTransport.SendAsync"/>.</param>
/// <param name="Wraps">Messages in those requests (wrapped keys and short notes).</param>
/// <param name="Received">Messages received (every <c>e2ee</c> event with a sender and data, as call-keys.js counts
/// them: forged and malformed ones included).</param>
public readonly record struct CallKeyCounters(long Sends, long Wraps, long Received);
