using System.Diagnostics;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.Bench.E2eeCall;

/// <summary>One operation's cost on one thread, in microseconds: in the fastest batch, and over all batches.</summary>
internal sealed record OperationCost(string Operation, double FastestMicroseconds, double MeanMicroseconds);

/// <summary>
/// What the key protocol's public-key operations cost here, so the rotation times can be read: every key message is
/// signed by its sender and checked by its recipient (Ed25519), every wrapped epoch secret is an HPKE seal and an open
/// (X25519 or X-Wing), every join statement is checked once by each participant. The same calls CallKeys makes, before the run.
/// </summary>
internal static class KeyCryptoCosts
{
    public static IReadOnlyList<OperationCost> Measure(TimeSpan each)
    {
        using DeviceIdentity sender = DeviceIdentity.Generate();
        using DeviceIdentity recipient = DeviceIdentity.Generate();
        byte[] message = EpochKeys.MessageToSign("bench-keys-room", "call-id-0123456789", "session-of-the-leader", "session-of-a-member", """{"k":"ack","epoch":12}""");
        byte[] signature = sender.Sign(message);
        byte[] secret = EpochKeys.FreshSecret();
        byte[] info = EpochKeys.WrapInfo("bench-keys-room", "call-id-0123456789", "session-of-the-leader", "session-of-a-member", 12);
        HpkeSuite suite = HpkeSuite.X25519Sha256Aes128Gcm;
        if (HpkeBaseMode.Seal(suite, recipient.AgreementPublicKey, info, [], secret, out byte[] enc, out byte[] ct) != HpkeStatus.Ok)
            throw new BenchException("HPKE seal failed");
        HpkeSuite xWing = HpkeSuite.XWingSha256Aes128Gcm;
        HpkeKeyPair xWingKeys = recipient.XWingKeyPair ?? throw new BenchException("a new identity has no X-Wing key");
        if (HpkeBaseMode.Seal(xWing, recipient.XWingPublicKey, info, [], secret, out byte[] xEnc, out byte[] xCt) != HpkeStatus.Ok)
            throw new BenchException("HPKE-X-Wing seal failed");
        return
        [
            Time("Ed25519 sign (a key message)", each, () => sender.Sign(message)),
            Time("Ed25519 verify (a key message, a join statement)", each, () => DeviceIdentity.Verify(sender.SigningPublicKey, signature, message)),
            Time("HPKE seal of an epoch secret (X25519)", each, () => HpkeBaseMode.Seal(suite, recipient.AgreementPublicKey, info, [], secret, out _, out _)),
            Time("HPKE open of an epoch secret (X25519)", each, () => HpkeBaseMode.Open(suite, recipient.AgreementKeyPair, enc, info, [], ct, out _)),
            Time("HPKE seal of an epoch secret (X-Wing)", each, () => HpkeBaseMode.Seal(xWing, recipient.XWingPublicKey, info, [], secret, out _, out _)),
            Time("HPKE open of an epoch secret (X-Wing)", each, () => HpkeBaseMode.Open(xWing, xWingKeys, xEnc, info, [], xCt, out _)),
        ];
    }

    /// <summary>The fastest of 10 batches of <paramref name="duration"/> / 10 each: the cost when nothing else runs.</summary>
    private static OperationCost Time(string name, TimeSpan duration, Action operation)
    {
        for (int i = 0; i < 100; i++) operation();                    // JIT and caches
        double best = double.MaxValue, total = 0;
        long count = 0;
        for (int batch = 0; batch < 10; batch++)
        {
            long start = Stopwatch.GetTimestamp();
            long done = 0;
            do
            {
                for (int i = 0; i < 10; i++) operation();
                done += 10;
            }
            while (Stopwatch.GetElapsedTime(start) < duration / 10);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            best = Math.Min(best, elapsed / done);
            total += elapsed;
            count += done;
        }
        return new OperationCost(name, best, total / count);
    }
}
