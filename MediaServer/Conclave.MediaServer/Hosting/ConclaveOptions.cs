namespace Conclave.MediaServer.Hosting;

/// <summary>The <c>Conclave</c> configuration section (docs/configuration.md). Defaults are the embedded mode.</summary>
public sealed class ConclaveOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Conclave";

    /// <summary>Where the embedded mode keeps grain state, the TLS certificate and the admin token.</summary>
    public string DataDirectory { get; set; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "conclave");

    /// <summary>Base URL put into invitation links; the first listening URL when empty.</summary>
    public string? PublicUrl { get; set; }

    public ListenOptions Listen { get; set; } = new();
    public TlsOptions Tls { get; set; } = new();
    public ClusterOptions Cluster { get; set; } = new();
    public StorageOptions Storage { get; set; } = new();
    public IdentityOptions Identity { get; set; } = new();
    public MediaOptions Media { get; set; } = new();
    public FilesOptions Files { get; set; } = new();
}

/// <summary>Kestrel endpoints. An empty string disables an endpoint.</summary>
public sealed class ListenOptions
{
    /// <summary>Plain HTTP, loopback only by default (for local use and the CLI).</summary>
    public string Http { get; set; } = "http://127.0.0.1:8080";

    /// <summary>HTTPS on every interface with the configured or self-signed certificate.</summary>
    public string Https { get; set; } = "https://0.0.0.0:8443";
}

/// <summary>The HTTPS certificate; when no path is set a self-signed one is created in the data directory.</summary>
public sealed class TlsOptions
{
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
}

/// <summary>How silos find each other.</summary>
public enum ClusterMode { Localhost, AzureTable }

/// <summary>Orleans clustering.</summary>
public sealed class ClusterOptions
{
    public ClusterMode Mode { get; set; } = ClusterMode.Localhost;
    public string ClusterId { get; set; } = "conclave";
    public string ServiceId { get; set; } = "conclave";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>Host name or IP address other silos reach this one at; the machine's address when empty.</summary>
    public string? AdvertisedHost { get; set; }
    /// <summary>Azure Table connection string for membership; the storage connection string when empty.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Where grain state lives.</summary>
public enum StorageMode { File, AzureTable, AzureBlob, Memory }

/// <summary>Grain state storage.</summary>
public sealed class StorageOptions
{
    public StorageMode Mode { get; set; } = StorageMode.File;
    /// <summary>Azure Storage connection string (<c>UseDevelopmentStorage=true</c> for a local Azurite).</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Token issuing and validation.</summary>
public sealed class IdentityOptions
{
    /// <summary>Lifetime of device tokens minted when an invitation is redeemed.</summary>
    public TimeSpan DeviceTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Lifetime of the admin credential minted on first start.</summary>
    public TimeSpan AdminTokenLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>An external OpenID Connect issuer whose tokens are accepted beside the embedded issuer's.</summary>
    public OidcOptions Oidc { get; set; } = new();
}

/// <summary>An external OpenID Connect issuer. Disabled while <see cref="Authority"/> is empty.</summary>
public sealed class OidcOptions
{
    /// <summary>Issuer URL; its <c>/.well-known/openid-configuration</c> gives the signing keys.</summary>
    public string? Authority { get; set; }
    /// <summary>Required <c>aud</c> value.</summary>
    public string? Audience { get; set; }
    public string UserIdClaim { get; set; } = "sub";
    public string DisplayNameClaim { get; set; } = "name";
    /// <summary>Value of the <c>roles</c> or <c>role</c> claim that makes a user an administrator.</summary>
    public string AdminRole { get; set; } = "conclave-admin";
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>This node's media identity and its WebRTC media port (docs/configuration.md, "Media").</summary>
public sealed class MediaOptions
{
    /// <summary>The name recorded in a call's grain as the node that hosts it.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>The one UDP port that carries every peer's ICE, DTLS, SRTP and SRTCP; 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 40000;

    /// <summary>The address the media socket binds to; <c>::</c> (dual-stack, IPv4 and IPv6) by default.</summary>
    public string BindAddress { get; set; } = "::";

    /// <summary>The address written into SDP candidates: the IP browsers reach this node at (a public IP behind NAT).
    /// When empty, a specific <see cref="BindAddress"/> is announced, and a wildcard bind announces 127.0.0.1 with a
    /// warning (only browsers on this machine can then connect).</summary>
    public string? AnnouncedAddress { get; set; }

    /// <summary>DTLS-SRTP profiles in order of preference, by IANA name (RFC 5764 §4.1.2, RFC 7714 §14.2). Empty means
    /// SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM, SRTP_AES128_CM_HMAC_SHA1_80. (Empty rather than that list, because
    /// configuration binding appends to an array's initial elements instead of replacing them.)</summary>
    public string[] SrtpProfiles { get; set; } = [];

    /// <summary>The media self-test: <c>POST /api/media/echo</c> sends a browser's own media back.</summary>
    public EchoOptions Echo { get; set; } = new();
}

/// <summary>The echo endpoint (<c>/api/media/echo</c>): a camera, microphone and network self-test.</summary>
public sealed class EchoOptions
{
    /// <summary>Whether <c>POST /api/media/echo</c> is served.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Echo sessions one user may hold at once.</summary>
    public int MaxPerUser { get; set; } = 2;

    /// <summary>Echo sessions this node holds at once.</summary>
    public int MaxSessions { get; set; } = 50;

    /// <summary>An echo session ends after this long, whatever happens.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Where encrypted files are stored (docs/configuration.md, "Files").</summary>
public enum FileStoreMode { Local, AzureBlob }

/// <summary>Encrypted document uploads (tus) and downloads (docs/files.md).</summary>
public sealed class FilesOptions
{
    /// <summary>A directory under the data directory (the embedded default), or Azure block blobs.</summary>
    public FileStoreMode Store { get; set; } = FileStoreMode.Local;

    /// <summary>The local store's directory; <c>files</c> in the data directory when empty.</summary>
    public string? Directory { get; set; }

    /// <summary>Azure Storage connection string of the blob store; the grain storage's when empty.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob container holding the files.</summary>
    public string Container { get; set; } = "conclave-files";

    /// <summary>The largest file accepted, in ciphertext bytes (tus <c>Tus-Max-Size</c>): 10 GiB.</summary>
    public long MaxFileSize { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>The most bytes one user's files may hold at once: 50 GiB.</summary>
    public long UserQuota { get; set; } = 50L * 1024 * 1024 * 1024;

    /// <summary>An upload not completed within this time is deleted (tus <c>Upload-Expires</c>).</summary>
    public TimeSpan UploadExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>A completed file is deleted this long after its upload completed.</summary>
    public TimeSpan FileExpiry { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often expired files are looked for and deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The size of the blocks the server stages (the last of a request may be shorter): 8 MiB.</summary>
    public int BlockSize { get; set; } = 8 * 1024 * 1024;
}
