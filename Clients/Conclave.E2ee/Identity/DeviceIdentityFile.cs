using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Conclave.E2ee.Identity;

/*  Device identity file, version 2: one UTF-8 JSON object, written as

      {"version":2,"signingPrivateKey":"<base64>","agreementPrivateKey":"<base64>","xwingSeed":"<base64>"}\n

    version              the number 2
    signingPrivateKey    standard base64 (RFC 4648 §4, padded) of the 32-byte Ed25519 secret seed (RFC 8032 §5.1.5)
    agreementPrivateKey  standard base64 of the 32-byte X25519 private key (RFC 7748 §5; stored clamped)
    xwingSeed            standard base64 of the 32-byte X-Wing decapsulation key (draft-connolly-cfrg-xwing-kem-10 §5.1)

    Version 1, written before X-Wing, is the same without "xwingSeed" ({"version":1,"signingPrivateKey":…,
    "agreementPrivateKey":…}); it reads as an identity without an X-Wing key, which DeviceIdentityStore upgrades.
    A reader takes the properties in any order, and rejects a missing, duplicate, unknown or mistyped property (so
    "xwingSeed" in version 1), a key that is not 32 bytes, trailing content and files over MaxLength bytes. The version
    is checked first, so a newer file is reported as such and not as malformed. The public keys are not stored: they
    are recomputed.   */
/// <summary>
/// The device identity file format (version 2, and version 1 for reading): <see cref="Write"/> and <see cref="Read"/>.
/// Key material passes through stack buffers that are wiped; the caller wipes the file bytes.
/// </summary>
internal static class DeviceIdentityFile
{
    /// <summary>The version this library writes.</summary>
    public const int Version = 2;

    /// <summary>The version written before X-Wing, still read.</summary>
    public const int Version1 = 1;

    /// <summary>The largest file read; a version 2 file is 209 bytes.</summary>
    public const int MaxLength = 1024;

    private const int Base64KeyLength = 44;                          // 4 * ceil(32 / 3)
    private const int MaxEncodedValueLength = 128;                   // longer string values are malformed, not copied

    private static ReadOnlySpan<byte> Prefix => "{\"version\":2,\"signingPrivateKey\":\""u8;
    private static ReadOnlySpan<byte> Middle => "\",\"agreementPrivateKey\":\""u8;
    private static ReadOnlySpan<byte> Middle2 => "\",\"xwingSeed\":\""u8;
    private static ReadOnlySpan<byte> Suffix => "\"}\n"u8;

    /// <summary>The length of every version 2 file.</summary>
    public static int Length =>
        Prefix.Length + Base64KeyLength + Middle.Length + Base64KeyLength + Middle2.Length + Base64KeyLength + Suffix.Length;

    /// <summary>Writes <paramref name="identity"/>'s private keys as a version 2 file of <see cref="Length"/> bytes.</summary>
    /// <exception cref="ArgumentException">The identity has no X-Wing key (only version 2 is written).</exception>
    public static void Write(DeviceIdentity identity, Span<byte> destination)
    {
        Span<byte> signing = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        Span<byte> agreement = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        Span<byte> xWing = stackalloc byte[DeviceIdentity.XWingSeedLength];
        try
        {
            if (!identity.ExportXWingSeed(xWing)) throw new ArgumentException("only an identity with an X-Wing key is written", nameof(identity));
            identity.ExportPrivateKeys(signing, agreement);
            int offset = 0;
            Append(destination, ref offset, Prefix);
            AppendBase64(destination, ref offset, signing);
            Append(destination, ref offset, Middle);
            AppendBase64(destination, ref offset, agreement);
            Append(destination, ref offset, Middle2);
            AppendBase64(destination, ref offset, xWing);
            Append(destination, ref offset, Suffix);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signing);
            CryptographicOperations.ZeroMemory(agreement);
            CryptographicOperations.ZeroMemory(xWing);
        }
    }

    /// <summary>The identity in <paramref name="file"/> (without an X-Wing key for version 1), or an exception naming
    /// <paramref name="path"/>; no partial state.</summary>
    /// <exception cref="DeviceIdentityFileException">The file is malformed, of another version, or has a key of the wrong length.</exception>
    public static DeviceIdentity Read(ReadOnlySpan<byte> file, string path)
    {
        if (file.IsEmpty) throw Malformed(path, "it is empty");
        if (file.Length > MaxLength) throw Malformed(path, $"it is larger than {MaxLength} bytes");

        int version = ReadVersion(file, path);
        if (version is not (Version1 or Version))
        {
            throw new DeviceIdentityFileException(path, DeviceIdentityFileError.UnsupportedVersion,
                $"The device identity file '{path}' has version {version}; this version of Conclave reads versions {Version1} and {Version} only. " +
                "Use a newer Conclave, or move the file aside to create a new identity (peers will see a new device).");
        }

        Span<byte> signing = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        Span<byte> agreement = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        Span<byte> xWing = stackalloc byte[DeviceIdentity.XWingSeedLength];
        try
        {
            ReadKeys(file, path, signing, agreement, version == Version ? xWing : default);
            return version == Version
                ? DeviceIdentity.FromPrivateKeys(signing, agreement, xWing)
                : DeviceIdentity.FromPrivateKeys(signing, agreement);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signing);
            CryptographicOperations.ZeroMemory(agreement);
            CryptographicOperations.ZeroMemory(xWing);
        }
    }

    /// <summary>First pass: checks the JSON syntax and the top-level shape, and returns the version number.</summary>
    private static int ReadVersion(ReadOnlySpan<byte> file, string path)
    {
        try
        {
            var reader = new Utf8JsonReader(file, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Malformed(path, "it is not a JSON object");
            int? version = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isVersion = reader.ValueTextEquals("version"u8);
                reader.Read();
                if (!isVersion)
                {
                    reader.Skip();
                    continue;
                }
                if (version is not null) throw Malformed(path, "\"version\" appears twice");
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int value))
                    throw Malformed(path, "\"version\" is not an integer");
                version = value;
            }
            while (reader.Read()) { }                                // throws on trailing content
            return version ?? throw Malformed(path, "it has no \"version\"");
        }
        catch (JsonException e)
        {
            throw Malformed(path, $"it is not valid JSON ({e.Message})");
        }
    }

    /// <summary>Second pass: both keys, and the X-Wing seed when <paramref name="xWing"/> is not empty (version 2),
    /// exactly once each, and nothing else.</summary>
    private static void ReadKeys(ReadOnlySpan<byte> file, string path, Span<byte> signing, Span<byte> agreement, Span<byte> xWing)
    {
        bool haveSigning = false, haveAgreement = false, haveXWing = false;
        var reader = new Utf8JsonReader(file, new JsonReaderOptions { MaxDepth = 4 });
        reader.Read();                                               // StartObject, checked by ReadVersion
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("version"u8))
            {
                reader.Read();
            }
            else if (reader.ValueTextEquals("signingPrivateKey"u8))
            {
                if (haveSigning) throw Malformed(path, "\"signingPrivateKey\" appears twice");
                reader.Read();
                ReadKey(ref reader, path, "signingPrivateKey", signing);
                haveSigning = true;
            }
            else if (reader.ValueTextEquals("agreementPrivateKey"u8))
            {
                if (haveAgreement) throw Malformed(path, "\"agreementPrivateKey\" appears twice");
                reader.Read();
                ReadKey(ref reader, path, "agreementPrivateKey", agreement);
                haveAgreement = true;
            }
            else if (!xWing.IsEmpty && reader.ValueTextEquals("xwingSeed"u8))
            {
                if (haveXWing) throw Malformed(path, "\"xwingSeed\" appears twice");
                reader.Read();
                ReadKey(ref reader, path, "xwingSeed", xWing);
                haveXWing = true;
            }
            else
            {
                throw Malformed(path, $"it has an unknown property \"{Truncate(reader.GetString())}\"");
            }
        }
        if (!haveSigning) throw Malformed(path, "it has no \"signingPrivateKey\"");
        if (!haveAgreement) throw Malformed(path, "it has no \"agreementPrivateKey\"");
        if (!xWing.IsEmpty && !haveXWing) throw Malformed(path, "it has no \"xwingSeed\"");
    }

    private static void ReadKey(ref Utf8JsonReader reader, string path, string name, Span<byte> key)
    {
        if (reader.TokenType != JsonTokenType.String) throw Malformed(path, $"\"{name}\" is not a string");
        if (reader.ValueSpan.Length > MaxEncodedValueLength) throw InvalidKeyLength(path, name);
        Span<byte> text = stackalloc byte[MaxEncodedValueLength];
        Span<byte> decoded = stackalloc byte[MaxEncodedValueLength];
        try
        {
            int textLength = reader.CopyString(text);                // unescapes, e.g. "\/" or "\u002B"
            OperationStatus status = Base64.DecodeFromUtf8(text[..textLength], decoded, out int consumed, out int written);
            if (status != OperationStatus.Done || consumed != textLength) throw Malformed(path, $"\"{name}\" is not base64");
            if (written != key.Length) throw InvalidKeyLength(path, name);
            decoded[..written].CopyTo(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
            CryptographicOperations.ZeroMemory(decoded);
        }
    }

    private static void Append(Span<byte> destination, ref int offset, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination[offset..]);
        offset += text.Length;
    }

    private static void AppendBase64(Span<byte> destination, ref int offset, ReadOnlySpan<byte> key)
    {
        Base64.EncodeToUtf8(key, destination[offset..], out _, out int written);
        offset += written;
    }

    private static string Truncate(string? name) => name is null ? "" : name.Length <= 40 ? name : name[..40] + "…";

    private static DeviceIdentityFileException InvalidKeyLength(string path, string name) =>
        new(path, DeviceIdentityFileError.InvalidKeyLength,
            $"The device identity file '{path}' is not valid: \"{name}\" is not {DeviceIdentity.PrivateKeyLength} bytes. " +
            "It cannot be repaired; move it aside or delete it to create a new identity (peers will see a new device).");

    private static DeviceIdentityFileException Malformed(string path, string detail) =>
        new(path, DeviceIdentityFileError.Malformed,
            $"The device identity file '{path}' is not valid: {detail}. " +
            "It cannot be repaired; move it aside or delete it to create a new identity (peers will see a new device).");
}
