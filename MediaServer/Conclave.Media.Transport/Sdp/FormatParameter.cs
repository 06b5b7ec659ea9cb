namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// One <c>key=value</c> of an <c>a=fmtp</c> line (or an <c>a=rid</c> restriction). <see cref="Value"/> is null for a
/// bare token, e.g. RED's <c>111/111</c>, which has no key.
/// </summary>
public sealed record FormatParameter(string Key, string? Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value is null ? Key : $"{Key}={Value}";
}
