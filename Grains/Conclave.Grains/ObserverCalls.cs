using Microsoft.Extensions.Logging;

namespace Conclave.Grains;

/// <summary>
/// Sends one-way notifications to <see cref="ISessionObserver"/>s. The observer methods return void, so Orleans
/// sends them without waiting for an answer; a failure to even send (a broken reference) is logged and swallowed,
/// so a dead connection never fails or blocks the grain call that produced the event.
/// </summary>
internal static partial class ObserverCalls
{
    /// <summary>Invokes <paramref name="send"/> on <paramref name="observer"/> (when not null), logging any exception.</summary>
    public static void Notify(ISessionObserver? observer, Action<ISessionObserver> send, ILogger logger, string what)
    {
        if (observer is null) return;
        try
        {
            send(observer);
        }
        catch (Exception ex)
        {
            LogNotifyFailed(logger, ex, what);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify a session observer of {What}")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string what);
}
