namespace Conclave.E2ee.Files;

/// <summary>
/// An encrypted file was refused (docs/file-format.md, "Decrypting"). The only exception a reader throws for what the
/// data holds; plaintext it wrote before must be discarded.
/// </summary>
public sealed class FileFormatException : Exception
{
    /// <summary>A refusal for <paramref name="error"/> at <paramref name="record"/>.</summary>
    public FileFormatException(FileFormatError error, long record)
        : base($"Encrypted file refused: {error} at {Describe(record)}.")
    {
        Error = error;
        Record = record;
    }

    /// <summary>Why the file was refused.</summary>
    public FileFormatError Error { get; }

    /// <summary>
    /// Where: −1 for the header, 0 for the manifest, <c>i + 1</c> for chunk <c>i</c>; <c>n + 1</c> for
    /// <see cref="FileFormatError.TrailingData"/> and <c>n</c> for <see cref="FileFormatError.HashMismatch"/>, where
    /// <c>n</c> is the number of chunks.
    /// </summary>
    public long Record { get; }

    private static string Describe(long record) => record switch
    {
        < 0 => "the header",
        0 => "the manifest (record 0)",
        _ => $"record {record} (chunk {record - 1})",
    };
}
