using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Stun;

/// <summary>STYLE.md allocation guard: the STUN data path allocates nothing after warm-up.</summary>
public sealed class StunAllocationTests
{
    private const int Iterations = 10_000;

    [Fact]
    public void ParseVerifyAndWriteAllocateNothing()
    {
        byte[] request = StunTestVectors.Message("2.1");
        byte[] longTerm = StunTestVectors.Message("2.4");
        byte[] key = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();
        byte[] longKey = Convert.FromHexString("e8ca7ad59d5eb0518e312911d2dab2a9");
        byte[] big = new byte[1200];
        byte[] output = new byte[1200];

        int ok = Run(request, longTerm, key, longKey, big, output);                                    // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        ok += Run(request, longTerm, key, longKey, big, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(2 * Iterations * 4, ok);
    }

    private static int Run(byte[] request, byte[] longTerm, byte[] key, byte[] longKey, byte[] big, byte[] output)
    {
        int ok = 0;
        for (int i = 0; i < Iterations; i++)
        {
            if (StunMessage.TryRead(request, out StunMessage stun) == StunParseStatus.Ok
                && stun.VerifyMessageIntegrity(key) == StunIntegrityStatus.Ok
                && stun.VerifyFingerprint() == StunIntegrityStatus.Ok)
            {
                ok++;
            }
            if (StunMessage.TryRead(longTerm, out StunMessage lt) == StunParseStatus.Ok
                && lt.VerifyMessageIntegrity(longKey) == StunIntegrityStatus.Ok)
            {
                ok++;
            }
            // Writer with an MI over more than 256 bytes exercises the pooled scratch path.
            if (StunMessageWriter.TryCreate(output, StunMessageType.BindingSuccessResponse, stun.TransactionId, out StunMessageWriter writer)
                && writer.TryAppend(StunAttributeType.Software, big.AsSpan(0, 600))
                && writer.TryAppendXorMappedAddress([192, 0, 2, 1], 32853)
                && writer.TryAppendMessageIntegrity(key)
                && writer.TryAppendFingerprint())
            {
                ok++;
            }
            if (StunMessage.TryRead(writer.Written, out StunMessage written) == StunParseStatus.Ok
                && written.VerifyMessageIntegrity(key) == StunIntegrityStatus.Ok)
            {
                ok++;
            }
        }
        return ok;
    }
}
