using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Conclave.E2ee.Hpke;

/*  RFC 9180 §5.1, mode_base (psk = psk_id = default ""; VerifyPSKInputs holds trivially)
      psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
      info_hash = LabeledExtract("", "info_hash", info)
      key_schedule_context = concat(mode, psk_id_hash, info_hash)
      secret = LabeledExtract(shared_secret, "secret", psk)
      key = LabeledExpand(secret, "key", key_schedule_context, Nk)
      base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
      exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)

    draft-ietf-hpke-hpke §5.1, CombineSecrets_OneStage
      secrets = concat(lengthPrefixed(psk), lengthPrefixed(shared_secret))
      context = concat(mode, lengthPrefixed(psk_id), lengthPrefixed(info))
      secret = LabeledDerive(secrets, "secret", context, Nk + Nn + Nh)
      key, base_nonce, exporter_secret = secret[:Nk], secret[Nk:Nk+Nn], secret[Nk+Nn:]                      */
/// <summary>
/// The HPKE key schedule for mode_base (RFC 9180 §5.1): key, base_nonce and exporter_secret from the KEM shared
/// secret and info. Intermediate secrets are wiped from the stack.
/// </summary>
internal static class HpkeKeySchedule
{
    /// <summary>mode_base (RFC 9180 §5, Table 1).</summary>
    public const byte ModeBase = 0x00;

    /// <summary>key_schedule_context = mode || psk_id_hash || info_hash for HKDF-SHA256: 1 + 32 + 32 bytes.</summary>
    public const int KeyScheduleContextLength = 1 + 2 * HpkeLabeledKdf.Sha256Length;

    private const int StackLimit = 256;

    /// <summary>
    /// Whether <paramref name="info"/> fits the suite's KDF: lengthPrefixed(info) caps it at 65535 bytes for a
    /// one-stage KDF (draft-ietf-hpke-hpke §7.2.1); HKDF-SHA256's bound (2^61 - 91) is beyond any span.
    /// </summary>
    public static bool IsInfoLengthValid(HpkeSuite suite, int infoLength) => !suite.Kdf.IsOneStage() || infoLength <= ushort.MaxValue;

    /// <summary>
    /// Runs the key schedule of RFC 9180 §5.1 (mode_base) for a supported <paramref name="suite"/>: Nk bytes of key,
    /// Nn of base_nonce and Nh of exporter_secret. The caller has checked <see cref="IsInfoLengthValid"/>.
    /// </summary>
    public static void Derive(HpkeSuite suite, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info,
        Span<byte> key, Span<byte> baseNonce, Span<byte> exporterSecret)
    {
        Span<byte> suiteId = stackalloc byte[HpkeSuite.SuiteIdLength];
        suite.WriteSuiteId(suiteId);
        if (suite.Kdf.IsOneStage()) DeriveOneStage(suiteId, sharedSecret, info, key, baseNonce, exporterSecret);
        else DeriveTwoStage(suiteId, sharedSecret, info, key, baseNonce, exporterSecret);
    }

    /// <summary>key_schedule_context = concat(mode_base, psk_id_hash, info_hash) with HKDF-SHA256 (RFC 9180 §5.1).</summary>
    internal static void WriteKeyScheduleContext(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> info, Span<byte> context)
    {
        context[0] = ModeBase;
        HpkeLabeledKdf.LabeledExtract(suiteId, [], "psk_id_hash"u8, [], context.Slice(1, HpkeLabeledKdf.Sha256Length));
        HpkeLabeledKdf.LabeledExtract(suiteId, [], "info_hash"u8, info, context.Slice(1 + HpkeLabeledKdf.Sha256Length, HpkeLabeledKdf.Sha256Length));
    }

    /// <summary>secret = LabeledExtract(shared_secret, "secret", psk = "") with HKDF-SHA256 (RFC 9180 §5.1).</summary>
    internal static void ExtractSecret(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> sharedSecret, Span<byte> secret) =>
        HpkeLabeledKdf.LabeledExtract(suiteId, sharedSecret, "secret"u8, [], secret);

    private static void DeriveTwoStage(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info,
        Span<byte> key, Span<byte> baseNonce, Span<byte> exporterSecret)
    {
        Span<byte> context = stackalloc byte[KeyScheduleContextLength];
        Span<byte> secret = stackalloc byte[HpkeLabeledKdf.Sha256Length];
        try
        {
            WriteKeyScheduleContext(suiteId, info, context);
            ExtractSecret(suiteId, sharedSecret, secret);
            HpkeLabeledKdf.LabeledExpand(suiteId, secret, "key"u8, context, key);
            HpkeLabeledKdf.LabeledExpand(suiteId, secret, "base_nonce"u8, context, baseNonce);
            HpkeLabeledKdf.LabeledExpand(suiteId, secret, "exp"u8, context, exporterSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static void DeriveOneStage(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info,
        Span<byte> key, Span<byte> baseNonce, Span<byte> exporterSecret)
    {
        // secrets = lengthPrefixed("") || lengthPrefixed(shared_secret); context = mode || lengthPrefixed("") || lengthPrefixed(info)
        Span<byte> secrets = stackalloc byte[2 + 2 + 32];
        secrets = secrets[..(4 + sharedSecret.Length)];
        int contextLength = 1 + 2 + 2 + info.Length;
        byte[]? rented = contextLength > StackLimit ? ArrayPool<byte>.Shared.Rent(contextLength) : null;
        Span<byte> context = (rented is null ? stackalloc byte[StackLimit] : rented)[..contextLength];
        int outputLength = key.Length + baseNonce.Length + exporterSecret.Length;
        Span<byte> output = stackalloc byte[HpkeAlgorithms.MaxKeyLength + HpkeAlgorithms.NonceLength + HpkeAlgorithms.MaxHashLength];
        output = output[..outputLength];
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(secrets, 0);
            BinaryPrimitives.WriteUInt16BigEndian(secrets[2..], (ushort)sharedSecret.Length);
            sharedSecret.CopyTo(secrets[4..]);

            context[0] = ModeBase;
            BinaryPrimitives.WriteUInt16BigEndian(context[1..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(context[3..], (ushort)info.Length);
            info.CopyTo(context[5..]);

            HpkeLabeledKdf.LabeledDerive(suiteId, secrets, "secret"u8, context, output);
            output[..key.Length].CopyTo(key);
            output.Slice(key.Length, baseNonce.Length).CopyTo(baseNonce);
            output[(key.Length + baseNonce.Length)..].CopyTo(exporterSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
            CryptographicOperations.ZeroMemory(output);
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
