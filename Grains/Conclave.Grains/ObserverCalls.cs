using Microsoft.Extensions.Logging;

namespace Conclave.Grains;

/// <summary>
/// Sends one-way notifications to <see cref="ISessionObserver"/>s. The observer methods return void, so Orleans
/// sends them without waiting for an answer; a failure to even send (a broken reference) is logged and swallowed,
/// so a dead connection never fails or blocks the grain call that produced the event.
/// </summary>
internal static partial class ObserverCalls
{
    /// <summary>
    /// Invokes <paramref name="send"/> on <paramref name="observer"/> (when not null), logging any exception (never the
    /// arguments). True when it was sent.
    /// </summary>
    public static bool Notify(ISessionObserver? observer, Action<ISessionObserver> send, ILogger logger, string what)
    {
        if (observer is null) return false;
        try
        {
            send(observer);
            return true;
        }
        catch (Exception ex)
        {
            LogNotifyFailed(logger, ex, what);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify a session observer of {What}")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string what);
}
