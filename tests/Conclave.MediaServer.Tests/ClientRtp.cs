using Conclave.Client.Media;
using Conclave.Media.Transport.Rtp;

namespace Conclave.MediaServer.Tests;

/// <summary>RTP packets as a <see cref="ClientMediaConnection"/> sends them.</summary>
internal static class ClientRtp
{
    /// <summary>An RTP packet with the mid header extension (RFC 8843 §15) for the audio section, with room for the tag.</summary>
    public static byte[] Audio(ushort seq, uint ssrc, byte[] payload, int spare, out int length)
    {
        byte[] extension = [(byte)(ClientMediaConnection.MidExtensionId << 4 | 0), (byte)ClientMediaConnection.AudioMid[0], 0, 0];
        var writer = new RtpPacketWriter
        {
            PayloadType = ClientMediaConnection.OpusPayloadType,
            SequenceNumber = seq,
            Timestamp = seq * 960u,
            Ssrc = ssrc,
            HasExtension = true,
            ExtensionProfile = 0xBEDE,                               // RFC 8285 §4.2 one-byte form
            ExtensionData = extension,
            Payload = payload,
        };
        byte[] buffer = new byte[writer.GetWrittenLength() + spare];
        Assert.True(writer.TryWrite(buffer, out length));
        return buffer;
    }
}
