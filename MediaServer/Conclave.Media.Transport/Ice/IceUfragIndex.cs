using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Conclave.Media.Transport.Ice;

/// <summary>Maps local ufrags to per-peer state so one UDP port can serve every peer: the first STUN check from a
/// new remote address is routed by the ufrag in its USERNAME. Lookups allocate nothing (alternate-key lookup on
/// <see cref="ReadOnlySpan{T}"/> of char); writes come from signaling, reads from the receive loop, concurrently.</summary>
public sealed class IceUfragIndex<TValue> where TValue : class
{
    private readonly ConcurrentDictionary<string, TValue> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TValue>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>Creates an empty index.</summary>
    public IceUfragIndex()
    {
        _bySpan = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Number of registered ufrags.</summary>
    public int Count => _byUfrag.Count;

    /// <summary>Registers a local ufrag; false if it is already taken.</summary>
    public bool TryAdd(string localUfrag, TValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IceCredentials.IsValidUfrag(localUfrag)) throw new ArgumentException("Not a valid ICE ufrag.", nameof(localUfrag));
        return _byUfrag.TryAdd(localUfrag, value);
    }

    /// <summary>Unregisters a local ufrag (peer gone, or old ufrag after an ICE restart).</summary>
    public bool TryRemove(string localUfrag) => _byUfrag.TryRemove(localUfrag, out _);

    /// <summary>Looks a ufrag up by its characters.</summary>
    public bool TryGetValue(ReadOnlySpan<char> localUfrag, [MaybeNullWhen(false)] out TValue value) =>
        _bySpan.TryGetValue(localUfrag, out value);

    /// <summary>Finds the owner of a STUN message by the local ufrag in its USERNAME.</summary>
    public IceUfragLookupStatus Find(ReadOnlySpan<byte> stunMessage, [MaybeNullWhen(false)] out TValue value)
    {
        value = default!;
        IceUfragLookupStatus status = IceUsername.TryGetLocalUfrag(stunMessage, out ReadOnlySpan<byte> ufrag);
        if (status != IceUfragLookupStatus.Found) return status;
        Span<char> chars = stackalloc char[IceCredentials.MaxLength];
        for (int i = 0; i < ufrag.Length; i++)
        {
            chars[i] = (char)ufrag[i];                                                                  // ice-chars are ASCII (checked)
        }
        if (!_bySpan.TryGetValue(chars[..ufrag.Length], out TValue? found)) return IceUfragLookupStatus.UnknownUfrag;
        value = found;
        return IceUfragLookupStatus.Found;
    }
}
