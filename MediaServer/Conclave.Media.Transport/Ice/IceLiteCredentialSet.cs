using System.Text;

namespace Conclave.Media.Transport.Ice;

/// <summary>One generation of credentials (changes on ICE restart), swapped atomically so the receive loop reads
/// a consistent local/remote pair without locking.</summary>
internal sealed class IceLiteCredentialSet
{
    public IceLiteCredentialSet(IceCredentials local, string remoteUfrag)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remoteUfrag);
        if (!IceCredentials.IsValidUfrag(remoteUfrag))
        {
            throw new ArgumentException("Remote ICE ufrag must be 4-256 ice-chars (RFC 8839 §5.4).", nameof(remoteUfrag));
        }
        Local = local;
        RemoteUfrag = remoteUfrag;
        // RFC 8445 §7.2.2: the peer's request carries USERNAME = "<our ufrag>:<its ufrag>".
        ExpectedUsername = Encoding.ASCII.GetBytes(local.Ufrag + ":" + remoteUfrag);
    }

    public IceCredentials Local { get; }

    public string RemoteUfrag { get; }

    public byte[] ExpectedUsername { get; }
}
