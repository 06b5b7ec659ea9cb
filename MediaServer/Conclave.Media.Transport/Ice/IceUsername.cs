using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Ice;

/// <summary>Reads the USERNAME of a connectivity check without allocating.</summary>
public static class IceUsername
{
    /* RFC 8445 §7.2.2: USERNAME = "<receiver's ufrag>:<sender's ufrag>", so for a request we receive the part
       before the colon is our own (local) ufrag. */
    /// <summary>The local ufrag bytes (the part before ':') of a STUN message's USERNAME.</summary>
    public static IceUfragLookupStatus TryGetLocalUfrag(ReadOnlySpan<byte> stunMessage, out ReadOnlySpan<byte> localUfrag)
    {
        localUfrag = default;
        if (StunMessage.TryRead(stunMessage, out StunMessage message) != StunParseStatus.Ok) return IceUfragLookupStatus.Malformed;
        if (!message.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> username)) return IceUfragLookupStatus.MissingUsername;
        int colon = username.IndexOf((byte)':');
        if (colon < 0) return IceUfragLookupStatus.InvalidUsername;
        ReadOnlySpan<byte> local = username[..colon];
        if (local.Length is < IceCredentials.MinUfragLength or > IceCredentials.MaxLength) return IceUfragLookupStatus.InvalidUsername;
        foreach (byte b in local)
        {
            if (!IceCredentials.IsIceChar(b)) return IceUfragLookupStatus.InvalidUsername;
        }
        localUfrag = local;
        return IceUfragLookupStatus.Found;
    }
}
