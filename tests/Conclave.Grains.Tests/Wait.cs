using Xunit.Sdk;

namespace Conclave.Grains.Tests;

/// <summary>Condition polling with a generous deadline, instead of fixed sleeps.</summary>
public static class Wait
{
    /// <summary>How long any awaited condition may take; far above what a healthy run needs, for slow CI machines.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="description"/> at the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string description)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!await condition())
        {
            try
            {
                await Task.Delay(PollInterval, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                if (await condition()) return;
                throw new XunitException($"Timed out after {Deadline.TotalSeconds:0} s waiting until {description}.");
            }
        }
    }
}
