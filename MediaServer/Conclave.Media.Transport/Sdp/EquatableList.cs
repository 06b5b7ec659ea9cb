using System.Collections;
using System.Runtime.CompilerServices;

namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// An immutable list with value equality, so that SDP model records compare structurally
/// (parse → write → parse yields an equal model). Built with collection expressions: <c>[a, b]</c>.
/// </summary>
[CollectionBuilder(typeof(EquatableListBuilder), nameof(EquatableListBuilder.Create))]
public sealed class EquatableList<T> : IReadOnlyList<T>, IEquatable<EquatableList<T>>
{
    private readonly T[] _items;

    /// <summary>The empty list.</summary>
    public static EquatableList<T> Empty { get; } = new([]);

    /// <summary>Copies <paramref name="items"/> into a new list.</summary>
    public EquatableList(IEnumerable<T> items) => _items = [.. items];

    private EquatableList(T[] items, bool _) => _items = items;

    internal static EquatableList<T> Wrap(T[] items) => items.Length == 0 ? Empty : new(items, true);

    /// <inheritdoc/>
    public T this[int index] => _items[index];

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(EquatableList<T>? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (other._items.Length != _items.Length) return false;
        var cmp = EqualityComparer<T>.Default;
        for (int i = 0; i < _items.Length; i++)
            if (!cmp.Equals(_items[i], other._items[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as EquatableList<T>);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var item in _items) h.Add(item);
        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}
