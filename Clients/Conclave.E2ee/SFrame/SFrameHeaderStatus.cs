namespace Conclave.E2ee.SFrame;

/// <summary>Outcome of reading an SFrame header (RFC 9605 §4.3). Reading never throws.</summary>
public enum SFrameHeaderStatus
{
    /// <summary>The header was read.</summary>
    Ok = 0,

    /// <summary>The input is empty, or shorter than the KID and CTR lengths its config byte announces.</summary>
    TooShort,

    /// <summary>
    /// A KID or CTR is not in its shortest form (RFC 9605 §4.3: a value 0–7 goes in the config byte, a larger one
    /// "MUST be encoded with the minimum number of bytes required"). Refused so that one (KID, CTR) has one encoding.
    /// </summary>
    NotMinimal,
}
