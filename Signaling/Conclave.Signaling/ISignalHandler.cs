using Conclave.Signaling.Protocol;

namespace Conclave.Signaling;

/// <summary>
/// What a <see cref="SignalConnection"/> asks of the application. Calls for one connection never overlap.
/// </summary>
public interface ISignalHandler
{
    /// <summary>Authenticates <paramref name="hello"/>. Returns a <see cref="WelcomeMessage"/>, or an <see cref="ErrorMessage"/> to refuse.</summary>
    Task<SignalMessage> HelloAsync(HelloMessage hello, ISignalSink sink, CancellationToken cancellationToken);

    /// <summary>Handles any other client message after a successful hello; returns the reply (or an error).</summary>
    Task<SignalMessage> HandleAsync(SignalMessage request, CancellationToken cancellationToken);

    /// <summary>The connection ended. <paramref name="clientClosedNormally"/> is true when the client sent close code 1000.</summary>
    Task OnClosedAsync(bool clientClosedNormally);
}

/// <summary>How the application pushes to a connection from any thread.</summary>
public interface ISignalSink
{
    /// <summary>Queues an event for sending; false when the connection is closing or its queue is full (it is then closed).</summary>
    bool TryPost(SignalMessage message);

    /// <summary>Sends a close frame after what is already queued.</summary>
    void Close(int closeCode, string reason);
}
