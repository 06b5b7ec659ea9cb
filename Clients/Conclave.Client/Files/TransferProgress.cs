namespace Conclave.Client.Files;

/// <summary>What a transfer is doing.</summary>
public enum TransferPhase
{
    /// <summary>Resuming: re-hashing the bytes an interrupted send had encrypted, to check they did not change.</summary>
    Hashing,
    /// <summary>Encrypting and uploading.</summary>
    Uploading,
    /// <summary>Downloading and decrypting.</summary>
    Downloading,
}

/// <summary>A transfer's progress: <paramref name="Done"/> of <paramref name="Total"/> bytes in <paramref name="Phase"/>.</summary>
public readonly record struct TransferProgress(TransferPhase Phase, long Done, long Total);

/// <summary>A file sent: its id, its plaintext and encrypted sizes, how many devices got its key, whether the send
/// resumed an interrupted one, and who was left out for want of a registered device.</summary>
public sealed record SentFile(string FileId, long Size, long EncryptedLength, int Devices, bool Resumed, IReadOnlyList<string> Skipped);
