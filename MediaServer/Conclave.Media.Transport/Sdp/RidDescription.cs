namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// RFC 8851 §10:
/// <code>
/// rid-syntax = %s"a=rid:" rid-id SP rid-dir [ rid-pt-param-list / rid-param-list ]
/// rid-pt-param-list = SP rid-fmt-list *( ";" rid-param )     ; rid-fmt-list = "pt=" fmt *( "," fmt )
/// </code>
/// Restrictions keep their order; <c>pt=96,97</c> is the restriction with key <c>pt</c>.
/// </summary>
public sealed record RidDescription(string Id, RidDirection Direction, EquatableList<FormatParameter> Restrictions)
{
    /// <summary>Payload types named by a <c>pt=</c> restriction, or null if there is none.</summary>
    public IReadOnlyList<int>? PayloadTypes
    {
        get
        {
            foreach (var r in Restrictions)
                if (r.Key == "pt" && r.Value is not null)
                    return [.. r.Value.Split(',').Select(s => int.TryParse(s, out int pt) ? pt : -1).Where(pt => pt >= 0)];
            return null;
        }
    }
}
