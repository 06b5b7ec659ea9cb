using System.Diagnostics;
using System.Globalization;
using System.Text;
using Conclave.E2ee.SFrame;
using Conclave.Sfu.Routing;

namespace Conclave.Browser.Tests;

/// <summary>
/// What publishers send, seen at the SFU (issue 5: "frames captured at the SFU are SFrame ciphertext, with no plaintext
/// codec payload", on every media path). Plugged into the in-process server as its <see cref="IInboundRtpObserver"/>
/// (<see cref="BrowserFixture.Capture"/>), it keeps, per publisher session and source, the first bytes of every frame:
/// every Opus packet (one packet is one frame), and the first packet of every VP8 frame (RFC 7741 §4.2: S=1, PID=0),
/// whose length it sums over the frame's packets.
/// <para>A test marks a moment (<see cref="Mark"/>), waits for frames after it (<see cref="WaitForFramesAsync"/>) and
/// checks them (<see cref="AssertSFrameCiphertext"/>): after the first join, after renegotiation, after a reconnect,
/// each separately. Memory is bounded: each publisher's source keeps its newest <see cref="MaxFramesPerSource"/>
/// frames.</para>
/// </summary>
public sealed class SfuCapture : IInboundRtpObserver
{
    /// <summary>Bytes kept of each frame, after the VP8 payload descriptor: a 10-byte clear VP8 prefix, the longest SFrame
    /// header (17) and a few more.</summary>
    public const int HeadLength = 32;

    /// <summary>Frames kept per publisher and source; the oldest go first.</summary>
    public const int MaxFramesPerSource = 8192;

    /// <summary>AES-GCM's tag (RFC 9605 §8.1, suite 0x0004, Conclave's default).</summary>
    public const int DefaultTagLength = 16;

    private const int KeyframeChunkLength = 10;
    private const int InterframeChunkLength = 3;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    // RFC 6386 §9.1: a keyframe's uncompressed data chunk has the start code 0x9d 0x01 0x2a at offset 3.
    private static ReadOnlySpan<byte> Vp8KeyframeStartCode => [0x9D, 0x01, 0x2A];

    private readonly Lock _lock = new();
    private readonly Dictionary<(string SessionId, TrackSource Source), SourceLog> _logs = [];
    private readonly Dictionary<uint, FrameBuilder> _openVideoFrames = [];
    private readonly List<string> _faults = [];
    private long _packets;                                           // every packet recorded; frames are numbered by it

    /// <summary>Receive thread of the server's media port: records the packet. Never throws (a fault is kept and
    /// reported by the checks).</summary>
    public void OnInboundRtp(in InboundRtpPacket packet)
    {
        try
        {
            Record(packet.ParticipantId, packet.Source, packet.CodecName, packet.Rid, packet.Ssrc, packet.PayloadType,
                packet.SequenceNumber, packet.Timestamp, packet.Marker, packet.StartOfFrame, packet.Payload);
        }
#pragma warning disable CA1031 // the SFU's receive thread must not see a test's bug; it is reported by the checks
        catch (Exception e)
#pragma warning restore CA1031
        {
            lock (_lock) _faults.Add(e.ToString());
        }
    }

    /// <summary>Records one RTP packet a publisher sent (what <see cref="OnInboundRtp"/> does with the SFU's view;
    /// public so the checks can be tested on synthetic packets).</summary>
    /// <param name="codecName"><c>opus</c> or <c>VP8</c> (any other codec is taken packet by packet, as Opus).</param>
    /// <param name="startOfFrame">The dependency descriptor's start-of-frame flag, if the packet carried one.</param>
    /// <param name="payload">The RTP payload, without header, extensions and padding.</param>
    public void Record(string sessionId, TrackSource source, string codecName, string? rid, uint ssrc, byte payloadType,
        ushort sequenceNumber, uint timestamp, bool marker, bool? startOfFrame, ReadOnlySpan<byte> payload)
    {
        bool vp8 = string.Equals(codecName, "VP8", StringComparison.OrdinalIgnoreCase);
        lock (_lock)
        {
            long index = _packets++;
            SourceLog log = GetLog(sessionId, source);
            log.Packets++;
            if (payload.IsEmpty)
            {
                log.PaddingOnly++;                                   // RFC 3550 §5.1 padding, e.g. bandwidth probes
                return;
            }
            int descriptorLength = 0;
            if (vp8)
            {
                descriptorLength = Vp8PayloadDescriptor.GetLength(payload, out bool start, out int partition);
                bool frameStart = descriptorLength > 0 && start && partition == 0;
                if (startOfFrame is bool flagged && descriptorLength > 0 && flagged != frameStart) log.DescriptorDisagreements++;
                if (descriptorLength > 0 && !frameStart)
                {
                    if (_openVideoFrames.TryGetValue(ssrc, out FrameBuilder? open) && open.Timestamp == timestamp)
                    {
                        open.Length += payload.Length - descriptorLength;
                        open.PacketCount++;
                        open.LastMarker = marker;
                    }
                    else
                    {
                        log.Orphans++;                               // the frame's first packet was not seen
                    }
                    return;
                }
            }
            ReadOnlySpan<byte> data = payload[Math.Max(descriptorLength, 0)..];
            var frame = new FrameBuilder
            {
                Index = index,
                At = Stopwatch.GetTimestamp(),
                SessionId = sessionId,
                Source = source,
                Codec = codecName,
                Rid = rid,
                Ssrc = ssrc,
                PayloadType = payloadType,
                SequenceNumber = sequenceNumber,
                Timestamp = timestamp,
                LastMarker = marker,
                StartOfFrame = startOfFrame,
                // -1: a VP8 payload descriptor that does not parse (kept as a frame, so the check reports it).
                DescriptorLength = descriptorLength,
                Descriptor = descriptorLength > 0 ? payload[..descriptorLength].ToArray() : [],
                // A VP8 frame's first bytes; an Opus frame (one packet) whole, so a test can try keys on it.
                Head = vp8 ? data[..Math.Min(HeadLength, data.Length)].ToArray() : data.ToArray(),
                Length = data.Length,
                PacketCount = 1,
            };
            if (vp8) _openVideoFrames[ssrc] = frame;
            log.Add(frame);
        }
    }

    /// <summary>Now: frames recorded from here on are "after" this mark.</summary>
    public CaptureMark Mark()
    {
        lock (_lock) return new CaptureMark(_packets);
    }

    /// <summary>The frames of <paramref name="sessionId"/>'s <paramref name="source"/> recorded since
    /// <paramref name="since"/> (default: since the start), oldest first.</summary>
    public IReadOnlyList<CapturedFrame> Frames(string sessionId, TrackSource source, CaptureMark since = default)
    {
        lock (_lock)
        {
            return _logs.TryGetValue((sessionId, source), out SourceLog? log)
                ? [.. log.Frames.Where(f => f.Index >= since.Index).Select(f => f.ToFrame())]
                : [];
        }
    }

    /// <summary>How many frames of <paramref name="sessionId"/>'s <paramref name="source"/> were recorded since <paramref name="since"/>.</summary>
    public int CountFrames(string sessionId, TrackSource source, CaptureMark since = default)
    {
        lock (_lock) return _logs.TryGetValue((sessionId, source), out SourceLog? log) ? log.Frames.Count(f => f.Index >= since.Index) : 0;
    }

    /// <summary>Waits, polling, until at least <paramref name="count"/> frames of <paramref name="sessionId"/>'s
    /// <paramref name="source"/> were recorded since <paramref name="since"/>; fails with what was captured when
    /// <paramref name="timeout"/> (default <see cref="BrowserFixture.Deadline"/>) passes first. Ends early, cancelled,
    /// with the test (<c>TestContext.Current.CancellationToken</c>).</summary>
    public async Task WaitForFramesAsync(string sessionId, TrackSource source, int count, CaptureMark since = default, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        TimeSpan limit = timeout ?? BrowserFixture.Deadline;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            int seen = CountFrames(sessionId, source, since);
            if (seen >= count) return;
            if (clock.Elapsed >= limit)
            {
                Assert.Fail($"Waited {limit.TotalSeconds:0.#} s for {count} {source} frames of session {sessionId} at the SFU " +
                    $"since {since}; {seen} arrived.\n{Describe()}");
            }
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    /// <summary><see cref="WaitForFramesAsync"/> for <paramref name="minFrames"/>, then <see cref="AssertSFrameCiphertext"/> on them.</summary>
    public async Task AssertSFrameCiphertextAsync(string sessionId, TrackSource source, Func<ulong, bool> kidBelongsToPublisher,
        int minFrames, CaptureMark since = default, Vp8ClearPrefix vp8ClearPrefix = Vp8ClearPrefix.None, TimeSpan? timeout = null)
    {
        await WaitForFramesAsync(sessionId, source, minFrames, since, timeout);
        AssertSFrameCiphertext(sessionId, source, kidBelongsToPublisher, minFrames, since, vp8ClearPrefix);
    }

    /// <summary>
    /// Fails unless every frame of <paramref name="sessionId"/>'s <paramref name="source"/> recorded since
    /// <paramref name="since"/> (at least <paramref name="minFrames"/> of them) is SFrame ciphertext of that publisher:
    /// <list type="bullet">
    /// <item>its data (an Opus packet's payload; a VP8 frame after its payload descriptor, RFC 7741 §4.2) starts with a
    /// minimal RFC 9605 §4.3 header, whose KID <paramref name="kidBelongsToPublisher"/>;</item>
    /// <item>counters strictly increase per KID and SSRC (each simulcast encoding is its own stream of one sender's
    /// frames, and a page's tracks may share one counter);</item>
    /// <item>the frame is at least that header plus <paramref name="minTagLength"/> bytes long;</item>
    /// <item>VP8, with <see cref="Vp8ClearPrefix.None"/>: no frame has a keyframe's start code (RFC 6386 §9.1) at
    /// offset 3. With <see cref="Vp8ClearPrefix.UncompressedDataChunk"/>: the SFrame header comes after the frame's
    /// uncompressed data chunk (10 bytes on a keyframe, which must carry the start code, 3 otherwise).</item>
    /// </list>
    /// The failure names each bad frame with a hex dump of its first bytes.
    /// </summary>
    public void AssertSFrameCiphertext(string sessionId, TrackSource source, Func<ulong, bool> kidBelongsToPublisher, int minFrames,
        CaptureMark since = default, Vp8ClearPrefix vp8ClearPrefix = Vp8ClearPrefix.None, int minTagLength = DefaultTagLength)
    {
        ArgumentNullException.ThrowIfNull(kidBelongsToPublisher);
        IReadOnlyList<CapturedFrame> frames = Frames(sessionId, source, since);
        string[] faults;
        lock (_lock) faults = [.. _faults];
        string where = $"{source} of session {sessionId} since {since}";
        if (faults.Length > 0) Assert.Fail($"The capture failed on the SFU's receive thread ({faults.Length}×): {faults[0]}");
        if (frames.Count < minFrames)
        {
            Assert.Fail($"{where}: {frames.Count} frames captured at the SFU, {minFrames} needed.\n{Describe()}");
        }

        var checker = new FrameChecker(kidBelongsToPublisher, vp8ClearPrefix, minTagLength);
        var problems = new List<(CapturedFrame Frame, string Problem)>();
        foreach (CapturedFrame frame in frames)
        {
            string? problem = checker.Check(frame);
            if (problem is not null) problems.Add((frame, problem));
        }
        if (problems.Count == 0) return;

        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture,
            $"{where}: {problems.Count} of {frames.Count} frames captured at the SFU are not SFrame ciphertext of this publisher");
        if (frames[0].IsVp8) message.Append(CultureInfo.InvariantCulture, $" (VP8 clear prefix: {vp8ClearPrefix})");
        message.Append(CultureInfo.InvariantCulture, $"; KIDs seen: {checker.DescribeKids()}.\n");
        foreach ((CapturedFrame frame, string problem) in problems.Take(12))
        {
            message.Append(CultureInfo.InvariantCulture, $"  {problem}\n    {frame}\n");
        }
        if (problems.Count > 12) message.Append(CultureInfo.InvariantCulture, $"  … and {problems.Count - 12} more\n");
        Assert.Fail(message.ToString());
    }

    /// <summary>A KID predicate: the key belongs to sender <paramref name="senderIndex"/> (any epoch; docs/e2ee.md:
    /// <c>kid = senderIndex &lt;&lt; 8 | epoch</c>).</summary>
    public static Func<ulong, bool> KidOfSender(ulong senderIndex) => kid => new SFrameKeyId(kid).SenderIndex == senderIndex;

    /// <summary>Every publisher and source captured, with counts: for failure messages.</summary>
    public string Describe()
    {
        lock (_lock)
        {
            if (_logs.Count == 0) return "Nothing was captured at the SFU (is the capture attached to this server?).";
            var text = new StringBuilder("Captured at the SFU (packets, frames kept, padding-only, continuations without their first packet, DD/VP8 start disagreements):\n");
            foreach (((string session, TrackSource source), SourceLog log) in _logs.OrderBy(l => l.Key.SessionId, StringComparer.Ordinal).ThenBy(l => l.Key.Source))
            {
                string codecs = string.Join("/", log.Frames.Select(f => f.Codec).Distinct(StringComparer.OrdinalIgnoreCase));
                text.Append(CultureInfo.InvariantCulture,
                    $"  {session} {source} [{codecs}]: {log.Packets} packets, {log.Frames.Count} frames (first #{(log.Frames.Count > 0 ? log.Frames[0].Index : 0)}), " +
                    $"{log.PaddingOnly} padding-only, {log.Orphans} orphans, {log.DescriptorDisagreements} disagreements, {log.Evicted} evicted\n");
            }
            return text.ToString();
        }
    }

    /// <summary>The checks of <see cref="AssertSFrameCiphertext"/>, frame after frame (counters carry over).</summary>
    private sealed class FrameChecker(Func<ulong, bool> kidBelongsToPublisher, Vp8ClearPrefix vp8ClearPrefix, int minTagLength)
    {
        private readonly Dictionary<(ulong Kid, uint Ssrc), ulong> _counters = [];
        private readonly SortedDictionary<ulong, int> _kids = [];

        public string? Check(CapturedFrame frame)
        {
            if (frame.DescriptorLength < 0) return "the VP8 payload descriptor (RFC 7741 §4.2) does not parse";
            ReadOnlySpan<byte> head = frame.Head;
            int offset = 0;
            string? problem = null;
            if (frame.IsVp8)
            {
                bool startCode = head.Length >= 6 && head.Slice(3, 3).SequenceEqual(Vp8KeyframeStartCode);
                if (vp8ClearPrefix == Vp8ClearPrefix.None && startCode)
                {
                    problem = "plaintext VP8 keyframe: start code 9d 01 2a at offset 3 (RFC 6386 §9.1)";
                }
                if (vp8ClearPrefix == Vp8ClearPrefix.UncompressedDataChunk)
                {
                    offset = UncompressedDataChunkLength(head);
                    if (offset == KeyframeChunkLength && !startCode) return "P=0 (keyframe) without the start code 9d 01 2a at offset 3";
                }
            }
            problem ??= CheckSFrame(frame, head[Math.Min(offset, head.Length)..], offset);
            if (problem is not null && frame.IsVp8 && vp8ClearPrefix == Vp8ClearPrefix.None)
            {
                int chunk = UncompressedDataChunkLength(head);
                if (IsPublishersHeader(head[Math.Min(chunk, head.Length)..]))
                {
                    problem += $"; but an SFrame header of this publisher follows a {chunk}-byte clear VP8 prefix (RFC 6386 §9.1's " +
                        $"uncompressed data chunk): pass {nameof(Vp8ClearPrefix)}.{nameof(Vp8ClearPrefix.UncompressedDataChunk)} if that layout is intended";
                }
            }
            return problem;
        }

        public string DescribeKids() => _kids.Count == 0 ? "none" : string.Join(", ", _kids.Select(k => $"{new SFrameKeyId(k.Key)} ×{k.Value}"));

        private string? CheckSFrame(CapturedFrame frame, ReadOnlySpan<byte> data, int offset)
        {
            string at = offset == 0 ? "" : $" at offset {offset}";
            SFrameHeaderStatus status = SFrameHeader.TryRead(data, out SFrameHeader header, out int headerLength);
            if (status != SFrameHeaderStatus.Ok) return $"no SFrame header (RFC 9605 §4.3){at}: {status}";
            _kids[header.KeyId] = _kids.GetValueOrDefault(header.KeyId) + 1;
            if (!kidBelongsToPublisher(header.KeyId)) return $"KID {new SFrameKeyId(header.KeyId)}{at} is not the publisher's";
            if (frame.Length < offset + headerLength + minTagLength)
            {
                return $"{frame.Length} bytes: shorter than {(offset > 0 ? $"its {offset}-byte clear prefix, " : "")}its {headerLength}-byte " +
                    $"header and a {minTagLength}-byte tag";
            }
            (ulong, uint) stream = (header.KeyId, frame.Ssrc);
            bool known = _counters.TryGetValue(stream, out ulong previous);
            _counters[stream] = header.Counter;
            if (known && header.Counter <= previous)
            {
                return $"CTR {header.Counter} after {previous} under KID {header.KeyId} on SSRC {frame.Ssrc:x8}: counters must increase";
            }
            return null;
        }

        private bool IsPublishersHeader(ReadOnlySpan<byte> data) =>
            SFrameHeader.TryRead(data, out SFrameHeader header, out _) == SFrameHeaderStatus.Ok && kidBelongsToPublisher(header.KeyId);

        /// <summary>RFC 6386 §9.1: the frame tag's P bit (bit 0 of its first byte) is 0 on a keyframe, whose
        /// uncompressed data chunk is 10 bytes (tag, start code, dimensions); 3 bytes (the tag) otherwise.</summary>
        private static int UncompressedDataChunkLength(ReadOnlySpan<byte> head) =>
            head.IsEmpty || (head[0] & 0x01) != 0 ? InterframeChunkLength : KeyframeChunkLength;
    }

    private SourceLog GetLog(string sessionId, TrackSource source)
    {
        if (!_logs.TryGetValue((sessionId, source), out SourceLog? log))
        {
            log = new SourceLog();
            _logs[(sessionId, source)] = log;
        }
        return log;
    }

    /// <summary>One publisher's source: its frames (newest <see cref="MaxFramesPerSource"/>) and packet counts.</summary>
    private sealed class SourceLog
    {
        public List<FrameBuilder> Frames { get; } = [];
        public long Packets;
        public long PaddingOnly;
        public long Orphans;
        public long DescriptorDisagreements;
        public long Evicted;

        public void Add(FrameBuilder frame)
        {
            if (Frames.Count >= MaxFramesPerSource)
            {
                int drop = MaxFramesPerSource / 4;
                Frames.RemoveRange(0, drop);
                Evicted += drop;
            }
            Frames.Add(frame);
        }
    }

    /// <summary>A frame being recorded (a VP8 frame grows with its packets); read under the capture's lock only.</summary>
    private sealed class FrameBuilder
    {
        public long Index;
        public long At;
        public string SessionId = "";
        public TrackSource Source;
        public string Codec = "";
        public string? Rid;
        public uint Ssrc;
        public byte PayloadType;
        public ushort SequenceNumber;
        public uint Timestamp;
        public bool LastMarker;
        public bool? StartOfFrame;
        public int DescriptorLength;
        public byte[] Descriptor = [];
        public byte[] Head = [];
        public int Length;
        public int PacketCount;

        public CapturedFrame ToFrame() => new(Index, At, SessionId, Source, Codec, Rid, Ssrc, PayloadType, SequenceNumber, Timestamp,
            LastMarker, StartOfFrame, DescriptorLength, Descriptor, Head, Length, PacketCount);
    }
}

/// <summary>How a VP8 frame's SFrame ciphertext sits in it.</summary>
public enum Vp8ClearPrefix
{
    /// <summary>The whole frame is SFrame ciphertext: its SFrame header comes first, nothing of the codec is in clear
    /// (issue 5 as written: "no plaintext codec payload").</summary>
    None,

    /// <summary>The frame's uncompressed data chunk (RFC 6386 §9.1: 10 bytes on a keyframe, with the start code and the
    /// dimensions; 3 otherwise) stays in clear, authenticated as SFrame metadata, and the SFrame header follows it
    /// (the web client's layout in docs/e2ee.md, "In the call page").</summary>
    UncompressedDataChunk,
}

/// <summary>A moment in a <see cref="SfuCapture"/>: frames whose first packet was recorded at or after it are "since" it.
/// The default is the start of the capture.</summary>
/// <param name="Index">Packets recorded before the mark.</param>
public readonly record struct CaptureMark(long Index)
{
    /// <inheritdoc />
    public override string ToString() => Index == 0 ? "the start" : $"mark #{Index.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>One frame as the SFU received it.</summary>
/// <param name="Index">Packets the capture had recorded before this frame's first packet.</param>
/// <param name="At">Stopwatch timestamp of its first packet.</param>
/// <param name="Codec"><c>opus</c> or <c>VP8</c>.</param>
/// <param name="Rid">The simulcast encoding, or null.</param>
/// <param name="SequenceNumber">The first packet's.</param>
/// <param name="Marker">The M bit of its last packet seen (the end of a VP8 frame).</param>
/// <param name="StartOfFrame">The dependency descriptor's flag on its first packet, if it carried one.</param>
/// <param name="DescriptorLength">The VP8 payload descriptor's length (0 for Opus; -1 if it did not parse).</param>
/// <param name="Descriptor">The VP8 payload descriptor's bytes.</param>
/// <param name="Head">The frame's data (after the descriptor): the first <see cref="SfuCapture.HeadLength"/> bytes of a VP8
/// frame, the whole of an Opus frame.</param>
/// <param name="Length">The frame's data length, summed over its packets (descriptors excluded).</param>
/// <param name="PacketCount">Its packets seen.</param>
public sealed record CapturedFrame(long Index, long At, string SessionId, TrackSource Source, string Codec, string? Rid, uint Ssrc,
    byte PayloadType, ushort SequenceNumber, uint Timestamp, bool Marker, bool? StartOfFrame, int DescriptorLength, byte[] Descriptor,
    byte[] Head, int Length, int PacketCount)
{
    /// <summary>True for VP8.</summary>
    public bool IsVp8 => string.Equals(Codec, "VP8", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override string ToString()
    {
        string rid = Rid is null ? "" : $" rid {Rid}";
        string dd = StartOfFrame is bool start ? $", DD start={start}" : "";
        string descriptor = Descriptor.Length > 0 ? $"descriptor [{Convert.ToHexString(Descriptor).ToLowerInvariant()}] " : "";
        return $"#{Index} {Codec} SSRC {Ssrc:x8}{rid} PT {PayloadType} seq {SequenceNumber} ts {Timestamp}: {Length} bytes in " +
            $"{PacketCount} packet(s){dd}; {descriptor}data [{Hex(Head)}{(Length > Head.Length ? " …" : "")}]";
    }

    private static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}

/// <summary>The VP8 payload descriptor (RFC 7741 §4.2), as far as its length and its S and PID fields.</summary>
public static class Vp8PayloadDescriptor
{
    /*       0 1 2 3 4 5 6 7
            +-+-+-+-+-+-+-+-+
            |X|R|N|S|R| PID | (REQUIRED)
            +-+-+-+-+-+-+-+-+
       X:   |I|L|T|K| RSV   | (OPTIONAL)
            +-+-+-+-+-+-+-+-+
       I:   |M| PictureID   | (OPTIONAL; M=1: a second byte of PictureID)
            +-+-+-+-+-+-+-+-+
       L:   |   TL0PICIDX   | (OPTIONAL)
            +-+-+-+-+-+-+-+-+
       T/K: |TID|Y| KEYIDX  | (OPTIONAL)
            +-+-+-+-+-+-+-+-+                                                  */
    /// <summary>The descriptor's length in <paramref name="payload"/>, or -1 if it is truncated or leaves no data.</summary>
    /// <param name="start">S: the packet starts a VP8 partition.</param>
    /// <param name="partition">PID: the partition index.</param>
    public static int GetLength(ReadOnlySpan<byte> payload, out bool start, out int partition)
    {
        start = false;
        partition = 0;
        if (payload.IsEmpty) return -1;
        byte first = payload[0];
        start = (first & 0x10) != 0;
        partition = first & 0x07;
        int length = 1;
        if ((first & 0x80) != 0)
        {
            if (payload.Length < 2) return -1;
            byte extension = payload[1];
            length = 2;
            if ((extension & 0x80) != 0)                             // I: PictureID, 7 or 15 bits
            {
                if (payload.Length <= length) return -1;
                length += (payload[length] & 0x80) != 0 ? 2 : 1;
            }
            if ((extension & 0x40) != 0) length++;                  // L: TL0PICIDX
            if ((extension & 0x30) != 0) length++;                  // T or K: TID/Y/KEYIDX
        }
        return length < payload.Length ? length : -1;
    }
}
