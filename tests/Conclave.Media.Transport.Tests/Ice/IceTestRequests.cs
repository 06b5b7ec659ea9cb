using System.Text;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>Builds connectivity checks the way a browser (a full, controlling agent) sends them (RFC 8445 §7.2.2).</summary>
public static class IceTestRequests
{
    public static readonly byte[] TransactionId = Convert.FromHexString("A1B2C3D4E5F60718293A4B5C");

    public sealed record Options
    {
        public string Username { get; init; } = "";
        public string Password { get; init; } = "";
        public ushort MessageType { get; init; } = StunMessageType.BindingRequest;
        public bool Controlling { get; init; } = true;
        public bool Controlled { get; init; }
        public bool UseCandidate { get; init; } = true;
        public bool UseCandidateAfterIntegrity { get; init; }
        public bool Integrity { get; init; } = true;
        public bool IncludeUsername { get; init; } = true;
        public bool Fingerprint { get; init; } = true;
        public ushort ExtraAttribute { get; init; }
    }

    public static byte[] Build(Options options)
    {
        var buffer = new byte[512];
        Assert.True(StunMessageWriter.TryCreate(buffer, options.MessageType, TransactionId, out StunMessageWriter writer));
        if (options.IncludeUsername) Assert.True(writer.TryAppend(StunAttributeType.Username, Encoding.ASCII.GetBytes(options.Username)));
        if (options.Controlling) Assert.True(writer.TryAppendUInt64(StunAttributeType.IceControlling, 0x1122334455667788));
        if (options.Controlled) Assert.True(writer.TryAppendUInt64(StunAttributeType.IceControlled, 0x1122334455667788));
        Assert.True(writer.TryAppendUInt32(StunAttributeType.Priority, 0x6E7F1EFF));
        if (options.UseCandidate) Assert.True(writer.TryAppend(StunAttributeType.UseCandidate, default));
        if (options.ExtraAttribute != 0) Assert.True(writer.TryAppend(options.ExtraAttribute, "x"u8));
        if (options.Integrity) Assert.True(writer.TryAppendMessageIntegrity(Encoding.ASCII.GetBytes(options.Password)));
        if (options.UseCandidateAfterIntegrity) Assert.True(writer.TryAppend(StunAttributeType.UseCandidate, default));
        if (options.Fingerprint) Assert.True(writer.TryAppendFingerprint());
        return writer.Written.ToArray();
    }
}
