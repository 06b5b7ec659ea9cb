namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// <c>a=msid-semantic: WMS [ids]</c> (draft-ietf-mmusic-msid-05, still written by Chromium as <c>a=msid-semantic: WMS</c>
/// and by Firefox as <c>a=msid-semantic:WMS *</c>). The writer uses Chromium's form, with a space after the colon.
/// </summary>
public sealed record MsidSemantic(string Semantic, EquatableList<string> Identifiers);
