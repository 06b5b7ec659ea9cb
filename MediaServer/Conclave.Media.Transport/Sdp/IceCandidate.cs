namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// RFC 8839 §5.1:
/// <code>
/// candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
///                       connection-address SP port SP cand-type [SP rel-addr] [SP rel-port]
///                       *(SP cand-extension)
/// </code>
/// Extension attributes (<c>generation 0</c>, <c>network-id 1</c>, <c>tcptype active</c>, <c>ufrag x</c>) keep their order.
/// </summary>
public sealed record IceCandidate(
    string Foundation,
    int Component,
    string Transport,
    uint Priority,
    string Address,
    int Port,
    IceCandidateType Type,
    string? RelatedAddress,
    int? RelatedPort,
    EquatableList<KeyValuePair<string, string>> Extensions)
{
    /// <summary>The SDP token for a candidate type.</summary>
    public static string TypeToken(IceCandidateType type) => type switch
    {
        IceCandidateType.Host => "host",
        IceCandidateType.ServerReflexive => "srflx",
        IceCandidateType.PeerReflexive => "prflx",
        IceCandidateType.Relay => "relay",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
