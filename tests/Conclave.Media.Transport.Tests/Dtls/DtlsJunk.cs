using System.Buffers.Binary;

namespace Conclave.Media.Transport.Tests.Dtls;

/// <summary>
/// Junk and mutated datagrams in the DTLS range of RFC 7983 (first byte 20–63), drawn from a caller's seeded
/// <see cref="Random"/>. Each writes into <c>buffer</c> (1,500 bytes or more) and returns the length written.
/// </summary>
internal static class DtlsJunk
{
    private const int RecordHeaderLength = 13;

    /// <summary>1–1,200 random bytes whose first byte is 20–63, so RFC 7983 demux would route them to DTLS.</summary>
    public static int RandomBytes(Random random, Span<byte> buffer)
    {
        int length = random.Next(1, 1201);
        random.NextBytes(buffer[..length]);
        buffer[0] = (byte)random.Next(20, 64);
        return length;
    }

    /* RFC 6347 §4.1
      | type (1) | version (2) | epoch (2) | sequence_number (6) | length (2) | fragment (length) | */
    /// <summary>
    /// One to three records with plausible headers (content type 20–23, DTLS 1.0 or 1.2, epoch 0 or 1, random
    /// sequence number, a length that matches) around random content.
    /// </summary>
    public static int RecordShaped(Random random, Span<byte> buffer)
    {
        int records = random.Next(1, 4);
        int offset = 0;
        for (int r = 0; r < records; r++)
        {
            int length = random.Next(0, 401);
            Span<byte> record = buffer.Slice(offset, RecordHeaderLength + length);
            random.NextBytes(record);
            record[0] = (byte)random.Next(20, 24);
            record[1] = 0xFE;
            record[2] = random.Next(2) == 0 ? (byte)0xFD : (byte)0xFF;
            BinaryPrimitives.WriteUInt16BigEndian(record[3..], (ushort)(random.Next(4) == 0 ? 1 : 0));
            BinaryPrimitives.WriteUInt16BigEndian(record[11..], (ushort)length);
            offset += record.Length;
        }
        return offset;
    }

    /// <summary>
    /// A captured datagram after one to four mutations: bit flips, byte sets, truncation, extension, record header
    /// edits (type, version, epoch, sequence number, length), handshake header edits (RFC 6347 §4.2.2), records
    /// spliced in from another captured datagram, and length fix-ups that make a mutation pass the framing checks.
    /// </summary>
    public static int Mutate(Random random, IReadOnlyList<byte[]> captured, Span<byte> buffer)
    {
        byte[] seed = captured[random.Next(captured.Count)];
        seed.CopyTo(buffer);
        int length = seed.Length;
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations && length > 0; m++)
        {
            int record = RecordStart(random, buffer[..length]);
            switch (random.Next(9))
            {
                case 0:
                    buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    buffer[random.Next(length)] = (byte)random.Next(256);
                    break;
                case 2:
                    length = random.Next(0, length + 1);
                    break;
                case 3:
                    int extra = random.Next(1, Math.Min(64, buffer.Length - length) + 1);
                    random.NextBytes(buffer.Slice(length, extra));
                    length += extra;
                    break;
                case 4:
                    // Record header: one field set to a value a receiver must not trust.
                    if (record + RecordHeaderLength > length) break;
                    int field = random.Next(5);
                    if (field == 0) buffer[record] = (byte)random.Next(20, 26);
                    else if (field == 1) buffer[record + 2] = (byte)(random.Next(2) == 0 ? 0xFF : random.Next(256));
                    else if (field == 2) BinaryPrimitives.WriteUInt16BigEndian(buffer[(record + 3)..], (ushort)random.Next(3));
                    else if (field == 3) random.NextBytes(buffer.Slice(record + 5, 6));
                    else BinaryPrimitives.WriteUInt16BigEndian(buffer[(record + 11)..], (ushort)random.Next(0, 2 * length));
                    break;
                case 5:
                    // Handshake header of the record's first fragment: type, length, message_seq, offset or fragment length.
                    int at = record + RecordHeaderLength;
                    if (at + 12 > length) break;
                    int edit = random.Next(5);
                    if (edit == 0) buffer[at] = (byte)random.Next(0, 25);
                    else if (edit == 1) buffer[at + 3] ^= (byte)random.Next(1, 256);
                    else if (edit == 2) BinaryPrimitives.WriteUInt16BigEndian(buffer[(at + 4)..], (ushort)random.Next(0, 8));
                    else if (edit == 3) buffer[at + 8] = (byte)random.Next(256);
                    else buffer[at + 11] = (byte)random.Next(256);
                    break;
                case 6:
                    // Records of another captured datagram appended: a flight reassembled out of order.
                    byte[] other = captured[random.Next(captured.Count)];
                    int take = Math.Min(other.Length, buffer.Length - length);
                    other.AsSpan(0, take).CopyTo(buffer[length..]);
                    length += take;
                    break;
                case 7:
                    // Length fix-up: the last record's length made to match the datagram again.
                    FixLastRecordLength(buffer[..length]);
                    break;
                case 8:
                    // A run of bytes duplicated (a record or fragment repeated).
                    int from = random.Next(length + 1);
                    int count = Math.Min(random.Next(0, length - from + 1), buffer.Length - length);
                    buffer.Slice(from, count).CopyTo(buffer[length..]);
                    length += count;
                    break;
            }
        }
        return length;
    }

    // The offset of a random record of a datagram, walking the record lengths; 0 when the framing is already broken.
    private static int RecordStart(Random random, ReadOnlySpan<byte> datagram)
    {
        int offset = 0, chosen = 0, seen = 0;
        while (offset + RecordHeaderLength <= datagram.Length)
        {
            if (random.Next(++seen) == 0) chosen = offset;
            offset += RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 11)..]);
        }
        return chosen;
    }

    private static void FixLastRecordLength(Span<byte> datagram)
    {
        int offset = 0, last = -1;
        while (offset + RecordHeaderLength <= datagram.Length)
        {
            last = offset;
            int next = offset + RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 11)..]);
            if (next >= datagram.Length) break;
            offset = next;
        }
        if (last >= 0) BinaryPrimitives.WriteUInt16BigEndian(datagram[(last + 11)..], (ushort)(datagram.Length - last - RecordHeaderLength));
    }
}
