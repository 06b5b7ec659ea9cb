namespace Conclave.E2ee.Files;

/// <summary>
/// Why a reader refused an encrypted file (docs/file-format.md, "Decrypting"): the spec's error names, which the
/// JavaScript reader and the vectors in <c>tests/vectors/file-format.json</c> use too.
/// </summary>
public enum FileFormatError
{
    /// <summary>Wrong magic, version, suite, reserved bits, or a field out of range.</summary>
    BadHeader = 1,

    /// <summary>The manifest does not open under this key and file id (wrong key, wrong file, tampered header).</summary>
    ManifestAuthenticationFailed = 2,

    /// <summary>The manifest opened, but its fields break the rules (or its size differs from the header's).</summary>
    BadManifest = 3,

    /// <summary>Chunk <c>i</c> does not open at position <c>i</c>.</summary>
    ChunkAuthenticationFailed = 4,

    /// <summary>The data ends before the last record does.</summary>
    Truncated = 5,

    /// <summary>Bytes follow the last chunk.</summary>
    TrailingData = 6,

    /// <summary>Every chunk opened, but the plaintext's SHA-256 is not the manifest's.</summary>
    HashMismatch = 7,
}
