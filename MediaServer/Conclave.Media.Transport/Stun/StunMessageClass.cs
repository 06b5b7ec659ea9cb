namespace Conclave.Media.Transport.Stun;

/// <summary>The two class bits C1 C0 of the STUN message type (RFC 8489 §5).</summary>
public enum StunMessageClass
{
    /// <summary>0b00.</summary>
    Request = 0,
    /// <summary>0b01.</summary>
    Indication = 1,
    /// <summary>0b10.</summary>
    SuccessResponse = 2,
    /// <summary>0b11.</summary>
    ErrorResponse = 3,
}
