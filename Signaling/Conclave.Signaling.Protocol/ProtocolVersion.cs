namespace Conclave.Signaling.Protocol;

/// <summary>The signaling protocol version carried in every message's <c>v</c> field.</summary>
public static class ProtocolVersion
{
    /// <summary>The version this build speaks.</summary>
    public const int Current = 1;
}
