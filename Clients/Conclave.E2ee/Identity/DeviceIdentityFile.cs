using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Conclave.E2ee.Identity;

/*  Device identity file, version 1: one UTF-8 JSON object, written as

      {"version":1,"signingPrivateKey":"<base64>","agreementPrivateKey":"<base64>"}\n

    version              the number 1
    signingPrivateKey    standard base64 (RFC 4648 §4, padded) of the 32-byte Ed25519 secret seed (RFC 8032 §5.1.5)
    agreementPrivateKey  standard base64 of the 32-byte X25519 private key (RFC 7748 §5; stored clamped)

    A reader takes the properties in any order, and rejects a missing, duplicate, unknown or mistyped property, a
    key that is not 32 bytes, trailing content and files over MaxLength bytes. The version is checked first, so a
    newer file is reported as such and not as malformed. The public keys are not stored: they are recomputed.   */
/// <summary>
/// The device identity file format (version 1): <see cref="Write"/> and <see cref="Read"/>. Key material passes
/// through stack buffers that are wiped; the caller wipes the file bytes.
/// </summary>
internal static class DeviceIdentityFile
{
    /// <summary>The version this library writes and the only one it reads.</summary>
    public const int Version = 1;

    /// <summary>The largest file read; a version 1 file is 126 bytes.</summary>
    public const int MaxLength = 1024;

    private const int Base64KeyLength = 44;                          // 4 * ceil(32 / 3)
    private const int MaxEncodedValueLength = 128;                   // longer string values are malformed, not copied

    private static ReadOnlySpan<byte> Prefix => "{\"version\":1,\"signingPrivateKey\":\""u8;
    private static ReadOnlySpan<byte> Middle => "\",\"agreementPrivateKey\":\""u8;
    private static ReadOnlySpan<byte> Suffix => "\"}\n"u8;

    /// <summary>The length of every version 1 file.</summary>
    public static int Length => Prefix.Length + Base64KeyLength + Middle.Length + Base64KeyLength + Suffix.Length;

    /// <summary>Writes <paramref name="identity"/>'s private keys as a version 1 file of <see cref="Length"/> bytes.</summary>
    public static void Write(DeviceIdentity identity, Span<byte> destination)
    {
        Span<byte> signing = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        Span<byte> agreement = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        try
        {
            identity.ExportPrivateKeys(signing, agreement);
            int offset = 0;
            Append(destination, ref offset, Prefix);
            AppendBase64(destination, ref offset, signing);
            Append(destination, ref offset, Middle);
            AppendBase64(destination, ref offset, agreement);
            Append(destination, ref offset, Suffix);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signing);
            CryptographicOperations.ZeroMemory(agreement);
        }
    }

    /// <summary>The identity in <paramref name="file"/>, or an exception naming <paramref name="path"/>; no partial state.</summary>
    /// <exception cref="DeviceIdentityFileException">The file is malformed, of another version, or has a key of the wrong length.</exception>
    public static DeviceIdentity Read(ReadOnlySpan<byte> file, string path)
    {
        if (file.IsEmpty) throw Malformed(path, "it is empty");
        if (file.Length > MaxLength) throw Malformed(path, $"it is larger than {MaxLength} bytes");

        int version = ReadVersion(file, path);
        if (version != Version)
        {
            throw new DeviceIdentityFileException(path, DeviceIdentityFileError.UnsupportedVersion,
                $"The device identity file '{path}' has version {version}; this version of Conclave reads version {Version} only. " +
                "Use a newer Conclave, or move the file aside to create a new identity (peers will see a new device).");
        }

        Span<byte> signing = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        Span<byte> agreement = stackalloc byte[DeviceIdentity.PrivateKeyLength];
        try
        {
            ReadKeys(file, path, signing, agreement);
            return DeviceIdentity.FromPrivateKeys(signing, agreement);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signing);
            CryptographicOperations.ZeroMemory(agreement);
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

    /// <summary>Second pass, for a version 1 file: both keys, exactly once each, and nothing else.</summary>
    private static void ReadKeys(ReadOnlySpan<byte> file, string path, Span<byte> signing, Span<byte> agreement)
    {
        bool haveSigning = false, haveAgreement = false;
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
            else
            {
                throw Malformed(path, $"it has an unknown property \"{Truncate(reader.GetString())}\"");
            }
        }
        if (!haveSigning) throw Malformed(path, "it has no \"signingPrivateKey\"");
        if (!haveAgreement) throw Malformed(path, "it has no \"agreementPrivateKey\"");
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
