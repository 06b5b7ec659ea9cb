namespace Conclave.E2ee.Identity;

/// <summary>Why <see cref="DeviceIdentityStore"/> refused a device identity file.</summary>
public enum DeviceIdentityFileError
{
    /// <summary>The file's mode grants something to group or others (Unix); the user must <c>chmod 600</c> it.</summary>
    InsecurePermissions = 1,

    /// <summary>The file is empty, truncated, too large, not the expected JSON object, or has a missing, duplicate,
    /// unknown or mistyped property.</summary>
    Malformed = 2,

    /// <summary>The file's <c>version</c> is not one this library reads.</summary>
    UnsupportedVersion = 3,

    /// <summary>A private key decodes to other than 32 bytes.</summary>
    InvalidKeyLength = 4,

    /// <summary>The upgrade slot beside a version 1 file (<see cref="DeviceIdentityStore.Load"/>) holds another identity's
    /// keys, left there by hand or by an interrupted upgrade of a file since replaced; the slot must be deleted.</summary>
    UpgradeConflict = 5,
}
