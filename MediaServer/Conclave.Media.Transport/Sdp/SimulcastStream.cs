namespace Conclave.Media.Transport.Sdp;

/// <summary>One rid inside an RFC 8853 §5.1 simulcast alternative; <c>~rid</c> is paused.</summary>
public sealed record SimulcastStream(string Rid, bool Paused)
{
    /// <inheritdoc/>
    public override string ToString() => Paused ? "~" + Rid : Rid;
}
