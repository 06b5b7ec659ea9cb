using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace Conclave.FileStore;

/// <summary>
/// Block ids: one block per upload piece, named after the upload offset of its first byte (the blob's offset, unless the
/// upload sent the file's head last: docs/files.md).
/// <para>
/// Azure requires a block id to be base64 of at most 64 bytes, and all ids of one blob to have the same length. An id
/// here is base64 of 24 ASCII bytes, <c>"off"</c> and the offset as 21 zero-padded decimal digits (any non-negative
/// <see cref="long"/> fits), so every id is 32 characters long, has no padding and uses only <c>A–Z a–z 0–9</c>.
/// <see cref="IsValid"/> accepts exactly the ids <see cref="ForOffset"/> makes.
/// </para>
/// </summary>
public static class BlockIds
{
    /*  Decoded id (24 ASCII bytes), base64-encoded to 32 characters
        | 'o' 'f' 'f' | offset: 21 decimal digits, zero-padded | */

    /// <summary>The length of every block id (base64 characters).</summary>
    public const int Length = 32;

    /// <summary>The length of a decoded block id in bytes (Azure allows at most 64).</summary>
    public const int DecodedLength = 24;

    /// <summary>The most blocks one blob may have (Azure's limit for a committed block list).</summary>
    public const int MaxBlocksPerBlob = 50_000;

    private const int DigitCount = 21;
    private static ReadOnlySpan<byte> Prefix => "off"u8;

    /// <summary>The block id for a block starting at <paramref name="offset"/> in the upload.</summary>
    /// <param name="offset">The offset of the block's first byte, 0 or more.</param>
    /// <returns>32 base64 characters.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public static string ForOffset(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        Span<byte> ascii = stackalloc byte[DecodedLength];
        Prefix.CopyTo(ascii);
        if (!Utf8Formatter.TryFormat(offset, ascii[Prefix.Length..], out int written, new StandardFormat('D', DigitCount)) || written != DigitCount)
            throw new InvalidOperationException("A non-negative long always fits in 21 digits.");
        return Convert.ToBase64String(ascii);
    }

    /// <summary>Whether <paramref name="blockId"/> is a block id as <see cref="ForOffset"/> makes them.</summary>
    /// <param name="blockId">The string to check; null is not valid.</param>
    public static bool IsValid([NotNullWhen(true)] string? blockId) => TryGetOffset(blockId, out _);

    /// <summary>The offset a block id was made from, if it is valid (<see cref="IsValid"/>).</summary>
    /// <param name="blockId">The string to read; null is not valid.</param>
    /// <param name="offset">The offset given to <see cref="ForOffset"/>; 0 if the id is not valid.</param>
    /// <returns>Whether <paramref name="blockId"/> is valid.</returns>
    public static bool TryGetOffset([NotNullWhen(true)] string? blockId, out long offset)
    {
        offset = 0;
        if (blockId is null || blockId.Length != Length) return false;
        Span<byte> ascii = stackalloc byte[DecodedLength];
        // 32 significant characters decode to exactly 24 bytes; padding or white space would leave fewer.
        if (!Convert.TryFromBase64String(blockId, ascii, out int decoded) || decoded != DecodedLength) return false;
        if (!ascii.StartsWith(Prefix)) return false;
        long value = 0;
        foreach (byte c in ascii[Prefix.Length..])
        {
            uint digit = (uint)(c - '0');
            if (digit > 9 || value > (long.MaxValue - digit) / 10) return false;
            value = value * 10 + digit;
        }
        offset = value;
        return true;
    }
}
