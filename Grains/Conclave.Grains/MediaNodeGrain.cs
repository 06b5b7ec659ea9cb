namespace Conclave.Grains;

/// <summary>The registry entry of one media node (<see cref="IMediaNodeGrain"/>): the latest endpoint it registered.
/// In memory only; the node registers again every <c>MediaNodeRegistration.Period</c>.</summary>
public sealed class MediaNodeGrain : Grain, IMediaNodeGrain
{
    private IMediaNode? _node;

    public Task RegisterAsync(IMediaNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        return Task.CompletedTask;
    }

    public Task<IMediaNode?> GetAsync() => Task.FromResult(_node);
}
