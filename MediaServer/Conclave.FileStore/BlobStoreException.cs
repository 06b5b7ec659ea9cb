namespace Conclave.FileStore;

/// <summary>
/// The storage service refused or failed an operation (<see cref="AzureBlobStore"/>). The message names the operation,
/// the blob, the HTTP status, the service's error code and request id, and never a credential: the service's own
/// exception, whose text can echo request details, is not attached.
/// </summary>
public sealed class BlobStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, free of credentials.</param>
    /// <param name="status">The HTTP status, or 0 if no response arrived.</param>
    /// <param name="errorCode">The service's error code (e.g. <c>AuthorizationFailure</c>), if it sent one.</param>
    public BlobStoreException(string message, int status, string? errorCode)
        : base(message)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status, or 0 if no response arrived.</summary>
    public int Status { get; }

    /// <summary>The service's error code (e.g. <c>AuthorizationFailure</c>), if it sent one.</summary>
    public string? ErrorCode { get; }
}
