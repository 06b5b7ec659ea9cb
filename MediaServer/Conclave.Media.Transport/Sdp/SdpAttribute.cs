namespace Conclave.Media.Transport.Sdp;

/// <summary>An attribute the typed model does not know, kept verbatim: <c>a=Name</c> or <c>a=Name:Value</c>.</summary>
public sealed record SdpAttribute(string Name, string? Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value is null ? Name : $"{Name}:{Value}";
}
