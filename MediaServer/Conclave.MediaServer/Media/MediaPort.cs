using System.Net;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Srtp;
using Conclave.MediaServer.Hosting;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Media;

/// <summary>This node's WebRTC media port: the UDP listener every peer shares, the DTLS certificate whose fingerprint
/// every answer carries, and the DTLS-SRTP settings. Binds when the host starts (so a taken port fails the start with
/// a clear message) and closes when it stops.</summary>
public sealed partial class MediaPort : IHostedService, IDisposable
{
    // Passed by argument
    private readonly ILogger<MediaPort> _logger;

    // Allocated by this
    private readonly MediaPortOptions _portOptions;
    private UdpMediaListener? _listener;                              // Owned

    public MediaPort(IOptions<ConclaveOptions> options, ILogger<MediaPort> logger)
    {
        _logger = logger;
        MediaOptions media = options.Value.Media;
        (_portOptions, bool announcedByDefault) = ReadPortOptions(media);
        AnnouncedByDefault = announcedByDefault;
        DtlsOptions = new DtlsSrtpOptions { SrtpProfiles = ReadProfiles(media.SrtpProfiles) };
        Certificate = DtlsCertificate.Generate("conclave-media");
    }

    /// <summary>The running listener.</summary>
    /// <exception cref="InvalidOperationException">Before the host started or after it stopped.</exception>
    public UdpMediaListener Listener => _listener ?? throw new InvalidOperationException("The media port is not open.");

    /// <summary>This node's DTLS certificate (ECDSA P-256, generated at start; only its fingerprint is published).</summary>
    public DtlsCertificate Certificate { get; }

    /// <summary>Profiles and timers for every DTLS-SRTP handshake on this node.</summary>
    public DtlsSrtpOptions DtlsOptions { get; }

    /// <summary>True when no address was configured and a wildcard bind announces 127.0.0.1.</summary>
    public bool AnnouncedByDefault { get; }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _listener = new UdpMediaListener(_portOptions);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new InvalidOperationException(
                $"Cannot open the UDP media port {_portOptions.BindAddress}:{_portOptions.Port} ({e.SocketErrorCode}). " +
                "Free it or set Conclave:Media:Port.", e);
        }
        LogOpened(_listener.LocalEndPoint, _portOptions.GetAnnouncedAddress(), string.Join(", ", DtlsOptions.SrtpProfiles.Select(p => p.IanaName())));
        if (AnnouncedByDefault) LogAnnouncingLoopback();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _listener?.Dispose();
    }

    private static (MediaPortOptions Options, bool AnnouncedByDefault) ReadPortOptions(MediaOptions media)
    {
        if (!IPAddress.TryParse(media.BindAddress, out IPAddress? bind))
            throw new InvalidOperationException($"Conclave:Media:BindAddress '{media.BindAddress}' is not an IP address.");
        IPAddress? announced = null;
        if (!string.IsNullOrWhiteSpace(media.AnnouncedAddress) && !IPAddress.TryParse(media.AnnouncedAddress, out announced))
            throw new InvalidOperationException($"Conclave:Media:AnnouncedAddress '{media.AnnouncedAddress}' is not an IP address.");
        bool wildcard = bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any);
        bool byDefault = announced is null && wildcard;
        if (byDefault) announced = IPAddress.Loopback;
        var options = new MediaPortOptions { BindAddress = bind, Port = media.Port, AnnouncedAddress = announced };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException("Conclave:Media: " + e.Message, e);
        }
        return (options, byDefault);
    }

    private static IReadOnlyList<SrtpProfile> ReadProfiles(string[]? names)
    {
        if (names is null || names.Length == 0) return DtlsSrtpOptions.DefaultSrtpProfiles;
        var profiles = new List<SrtpProfile>();
        foreach (string name in names)
        {
            if (!SrtpProfileExtensions.TryParse(name, out SrtpProfile profile))
                throw new InvalidOperationException(
                    $"Conclave:Media:SrtpProfiles: unknown profile '{name}' (use SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM or SRTP_AES128_CM_HMAC_SHA1_80).");
            if (!profiles.Contains(profile)) profiles.Add(profile);
        }
        return [.. profiles];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Media port open on UDP {EndPoint}, announced as {Announced}; SRTP profiles {Profiles}")]
    private partial void LogOpened(IPEndPoint endPoint, IPAddress announced, string profiles);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conclave:Media:AnnouncedAddress is not set: announcing 127.0.0.1, so only browsers on this machine can connect media. Set it to the address browsers reach this server at.")]
    private partial void LogAnnouncingLoopback();
}
