namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 5888 §5 <c>a=group:&lt;semantics&gt; *(SP mid)</c>; BUNDLE per RFC 8843 §7.</summary>
public sealed record SdpGroup(string Semantics, EquatableList<string> Mids)
{
    /// <summary>The BUNDLE semantics token.</summary>
    public const string Bundle = "BUNDLE";
}
