using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>Allocation guard: 0 bytes across 10k encrypt+decrypt after warm-up (STYLE.md).</summary>
public sealed class SFrameAllocationTests
{
    public static TheoryData<SFrameCipherSuite> Suites => SFrameTestKeys.AllSuites;

    public static TheoryData<SFrameCipherSuite> CtrSuites => SFrameTestKeys.CtrSuites;

    [Theory]
    [MemberData(nameof(Suites))]
    public void Encrypt_and_decrypt_allocate_nothing(SFrameCipherSuite suite)
    {
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(5, 1));
        using (sender)
        using (receiver)
        {
            // A 1,200-byte audio/video frame, small metadata (stack AAD) and large metadata (pooled AAD).
            byte[] plaintext = SFrameTestKeys.Bytes(1200, 1), small = SFrameTestKeys.Bytes(12, 2), large = SFrameTestKeys.Bytes(600, 3);
            byte[] ciphertext = new byte[plaintext.Length + sender.MaxOverhead], decrypted = new byte[plaintext.Length];
            for (int i = 0; i < 1_000; i++) RoundTrip(sender, receiver, plaintext, i % 2 == 0 ? small : large, ciphertext, decrypted);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) RoundTrip(sender, receiver, plaintext, i % 2 == 0 ? small : large, ciphertext, decrypted);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Frames_refused_before_authentication_allocate_nothing(SFrameCipherSuite suite)
    {
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(5, 1));
        using (sender)
        using (receiver)
        {
            byte[] junk = [0x90], unknown = new byte[40], output = new byte[64];
            unknown[0] = 0x07;                                      // KID 0: not held
            int refused = 0;
            for (int i = 0; i < 100; i++) refused += Reject(receiver, junk, unknown, output);

            refused = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) refused += Reject(receiver, junk, unknown, output);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(20_000, refused);
            Assert.Equal(0, allocated);
        }
    }

    [Theory]
    [MemberData(nameof(CtrSuites))]
    public void Forged_frames_allocate_nothing_with_ctr_suites(SFrameCipherSuite suite)
    {
        // The GCM suites learn of a bad tag from an AuthenticationTagMismatchException inside .NET's AesGcm, which
        // allocates; the CTR suites compare tags themselves.
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(5, 1));
        using (sender)
        using (receiver)
        {
            byte[] forged = SFrameTestKeys.Encrypt(sender, new byte[500]), output = new byte[500];
            forged[^1] ^= 1;
            for (int i = 0; i < 100; i++) receiver.Decrypt(forged, [], output, out _);

            long before = GC.GetAllocatedBytesForCurrentThread();
            int failed = 0;
            for (int i = 0; i < 10_000; i++)
                if (receiver.Decrypt(forged, [], output, out _) == SFrameStatus.AuthenticationFailed) failed++;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(10_000, failed);
            Assert.Equal(0, allocated);
        }
    }

    private static void RoundTrip(SFrameSender sender, SFrameReceiver receiver, byte[] plaintext, byte[] metadata, byte[] ciphertext, byte[] decrypted)
    {
        if (sender.Encrypt(plaintext, metadata, ciphertext, out int written) != SFrameStatus.Ok) throw new InvalidOperationException("encrypt");
        if (receiver.Decrypt(ciphertext.AsSpan(0, written), metadata, decrypted, out int plain) != SFrameStatus.Ok || plain != plaintext.Length)
            throw new InvalidOperationException("decrypt");
    }

    private static int Reject(SFrameReceiver receiver, byte[] junk, byte[] unknown, byte[] output)
    {
        int refused = 0;
        if (receiver.Decrypt(junk, [], output, out _) == SFrameStatus.Malformed) refused++;
        if (receiver.Decrypt(unknown, [], output, out _) == SFrameStatus.UnknownKey) refused++;
        return refused;
    }
}
