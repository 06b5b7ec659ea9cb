namespace Conclave.Media.Transport.Sdp;

/// <summary>Collection-expression builder for <see cref="EquatableList{T}"/>.</summary>
public static class EquatableListBuilder
{
    /// <summary>Creates a list from a span (used by collection expressions).</summary>
    public static EquatableList<T> Create<T>(ReadOnlySpan<T> items) => EquatableList<T>.Wrap(items.ToArray());

    /// <summary>Creates a list from a sequence.</summary>
    public static EquatableList<T> ToEquatableList<T>(this IEnumerable<T> items) => EquatableList<T>.Wrap([.. items]);
}
