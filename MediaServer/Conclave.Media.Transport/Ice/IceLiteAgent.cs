using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Ice;

/// <summary>The server side of ICE for one peer: an ICE-lite agent (RFC 8445 §2.5), always controlled, that only
/// answers connectivity checks (§7.3), takes the pair the controlling peer nominates with USE-CANDIDATE, and tracks
/// consent freshness (RFC 7675). Transport-agnostic: the caller owns sockets and buffers.
/// <para><see cref="HandleBindingRequest"/> is meant for one receive loop at a time; <see cref="Restart"/> and the
/// state accessors may be called from any thread.</para></summary>
public sealed class IceLiteAgent
{
    /// <summary>RFC 7675 §5.1: consent expires 30 seconds after the last authenticated check.</summary>
    public static readonly TimeSpan ConsentTimeout = TimeSpan.FromSeconds(30);

    private const int MaxReportedUnknownAttributes = 16;

    // Passed by argument
    private readonly TimeProvider _timeProvider;

    // Allocated by this
    private readonly Lock _stateLock = new();
    private volatile IceLiteCredentialSet _credentials;
    private IceTransportAddress _selectedRemote;
    private bool _hasSelectedRemote;
    private long _lastConsentTimestamp;
    private bool _hasConsent;
    private long _droppedRequests;

    /// <summary>Creates an agent for one peer.</summary>
    /// <param name="localCredentials">Ours, announced in our SDP.</param>
    /// <param name="remoteUfrag">The peer's ice-ufrag from its SDP.</param>
    /// <param name="timeProvider">Clock for consent freshness; <see cref="TimeProvider.System"/> if null.</param>
    public IceLiteAgent(IceCredentials localCredentials, string remoteUfrag, TimeProvider? timeProvider = null)
    {
        _credentials = new IceLiteCredentialSet(localCredentials, remoteUfrag);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The local credentials currently accepted.</summary>
    public IceCredentials LocalCredentials => _credentials.Local;

    /// <summary>The peer's ufrag currently expected.</summary>
    public string RemoteUfrag => _credentials.RemoteUfrag;

    /// <summary>Requests dropped so far (every status that writes no response, other than indications).</summary>
    public long DroppedRequests => Interlocked.Read(ref _droppedRequests);

    /// <summary>RFC 7675 §5.1: true while an authenticated check arrived within <see cref="ConsentTimeout"/>.</summary>
    public bool HasConsent
    {
        get
        {
            lock (_stateLock)
            {
                return _hasConsent && _timeProvider.GetElapsedTime(_lastConsentTimestamp) < ConsentTimeout;
            }
        }
    }

    /// <summary>Time left before consent expires; <see cref="TimeSpan.Zero"/> if none or expired.</summary>
    public TimeSpan ConsentRemaining
    {
        get
        {
            lock (_stateLock)
            {
                if (!_hasConsent) return TimeSpan.Zero;
                TimeSpan left = ConsentTimeout - _timeProvider.GetElapsedTime(_lastConsentTimestamp);
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }
    }

    /// <summary>The remote end of the nominated (selected) pair, once the peer has sent USE-CANDIDATE.</summary>
    public bool TryGetSelectedRemote(out IceTransportAddress remote)
    {
        lock (_stateLock)
        {
            remote = _selectedRemote;
            return _hasSelectedRemote;
        }
    }

    /// <summary>ICE restart (RFC 8445 §9): from now on only the new credentials are accepted. The selected pair
    /// and its consent stay in use until the peer nominates again.</summary>
    public void Restart(IceCredentials newLocalCredentials, string newRemoteUfrag)
    {
        _credentials = new IceLiteCredentialSet(newLocalCredentials, newRemoteUfrag);
    }

    /// <summary>Handles one datagram already classified as STUN (RFC 7983) that arrived from <paramref name="remote"/>.
    /// Never throws, never allocates. On a status with a non-zero <paramref name="responseLength"/> send
    /// <c>response[..responseLength]</c> back to <paramref name="remote"/>.</summary>
    public IceRequestStatus HandleBindingRequest(ReadOnlySpan<byte> request, in IceTransportAddress remote, Span<byte> response, out int responseLength)
    {
        IceRequestStatus status = Process(request, remote, response, out responseLength);
        if (responseLength == 0 && status != IceRequestStatus.Indication)
        {
            Interlocked.Increment(ref _droppedRequests);
        }
        return status;
    }

    private IceRequestStatus Process(ReadOnlySpan<byte> request, in IceTransportAddress remote, Span<byte> response, out int responseLength)
    {
        responseLength = 0;
        if (StunMessage.TryRead(request, out StunMessage message) != StunParseStatus.Ok) return IceRequestStatus.Malformed;
        if (message.Method != StunMessageType.BindingMethod) return IceRequestStatus.NotBindingRequest;
        if (message.Class == StunMessageClass.Indication) return IceRequestStatus.Indication;         // RFC 8445 §11: keepalive, no response
        if (message.Class != StunMessageClass.Request) return IceRequestStatus.NotBindingRequest;      // a lite agent sends no requests (§2.5)

        // RFC 8445 §7.3 / RFC 8489 §7.3: checks carry FINGERPRINT; a bad one means "not ours".
        switch (message.VerifyFingerprint())
        {
            case StunIntegrityStatus.Missing: return IceRequestStatus.MissingFingerprint;
            case StunIntegrityStatus.Mismatch: return IceRequestStatus.BadFingerprint;
        }

        // RFC 8445 §7.3 + RFC 8489 §9.1.3: short-term credentials. Read the generation once so a concurrent
        // Restart cannot mix the old username with the new password.
        IceLiteCredentialSet credentials = _credentials;
        if (!message.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> username) || !message.HasMessageIntegrity)
        {
            return IceRequestStatus.MissingCredentials;
        }
        if (!username.SequenceEqual(credentials.ExpectedUsername)) return IceRequestStatus.UsernameMismatch;
        if (message.VerifyMessageIntegrity(credentials.Local.PasswordKey) != StunIntegrityStatus.Ok)
        {
            return IceRequestStatus.BadMessageIntegrity;
        }

        // Authenticated from here on. RFC 8489 §6.3.1.1: unknown comprehension-required attributes -> 420.
        Span<ushort> unknown = stackalloc ushort[MaxReportedUnknownAttributes];
        int unknownCount = CollectUnknownComprehensionRequired(message, unknown);
        if (unknownCount > 0)
        {
            return WriteError(message, credentials, StunErrorCodeAttribute.UnknownAttribute, "Unknown Attribute"u8,
                unknown[..unknownCount], response, out responseLength, IceRequestStatus.UnknownAttributes);
        }

        // RFC 8445 §6.1.1: a lite agent is always controlled and cannot switch roles, so a peer that also claims
        // the controlled role gets 487 (§7.3.1.1) and no state changes.
        if (message.HasAttribute(StunAttributeType.IceControlled))
        {
            return WriteError(message, credentials, StunErrorCodeAttribute.RoleConflict, "Role Conflict"u8,
                default, response, out responseLength, IceRequestStatus.RoleConflict);
        }

        // RFC 8445 §7.3.1.2: success response with XOR-MAPPED-ADDRESS = the request's source transport address.
        if (!TryWriteSuccess(message, credentials, remote, response, out responseLength))
        {
            return IceRequestStatus.ResponseBufferTooSmall;
        }

        bool nominate = message.HasAttribute(StunAttributeType.UseCandidate);
        long now = _timeProvider.GetTimestamp();
        lock (_stateLock)
        {
            bool changed = false;
            if (nominate && (!_hasSelectedRemote || _selectedRemote != remote))
            {
                // RFC 8445 §7.3.1.5 / §8.2: USE-CANDIDATE from the controlling agent nominates this pair.
                _selectedRemote = remote;
                _hasSelectedRemote = true;
                changed = true;
            }
            // RFC 7675 §5.1: consent is per pair; once a pair is selected only checks on it refresh consent.
            if (!_hasSelectedRemote || _selectedRemote == remote)
            {
                _lastConsentTimestamp = now;
                _hasConsent = true;
            }
            return changed ? IceRequestStatus.Nominated : IceRequestStatus.Success;
        }
    }

    private static int CollectUnknownComprehensionRequired(StunMessage message, Span<ushort> unknown)
    {
        int count = 0;
        foreach (StunAttribute attribute in message.Attributes)
        {
            if (attribute.Offset > message.MessageIntegrityOffset) break;                           // RFC 8489 §14.5: ignored after MI
            if (!attribute.IsComprehensionRequired || IsKnown(attribute.Type)) continue;
            if (count < unknown.Length && unknown[..count].IndexOf(attribute.Type) < 0) unknown[count++] = attribute.Type;
        }
        return count;
    }

    private static bool IsKnown(ushort type) => (StunAttributeType)type is
        StunAttributeType.MappedAddress or StunAttributeType.Username or StunAttributeType.MessageIntegrity
        or StunAttributeType.ErrorCode or StunAttributeType.UnknownAttributes or StunAttributeType.Realm
        or StunAttributeType.Nonce or StunAttributeType.MessageIntegritySha256 or StunAttributeType.PasswordAlgorithm
        or StunAttributeType.UserHash or StunAttributeType.XorMappedAddress or StunAttributeType.Priority
        or StunAttributeType.UseCandidate;

    /* RFC 8445 §7.3.1.2 + RFC 8489 §6.3.1.1, Binding success response:
         header (0x0101, request's transaction id) | XOR-MAPPED-ADDRESS | MESSAGE-INTEGRITY (local pwd) | FINGERPRINT */
    private static bool TryWriteSuccess(StunMessage request, IceLiteCredentialSet credentials, in IceTransportAddress remote,
        Span<byte> response, out int responseLength)
    {
        responseLength = 0;
        Span<byte> address = stackalloc byte[16];
        remote.TryWriteAddress(address, out int addressLength);
        if (!StunMessageWriter.TryCreate(response, StunMessageType.BindingSuccessResponse, request.TransactionId, out StunMessageWriter writer)
            || !writer.TryAppendXorMappedAddress(address[..addressLength], remote.Port)
            || !writer.TryAppendMessageIntegrity(credentials.Local.PasswordKey)
            || !writer.TryAppendFingerprint())
        {
            return false;
        }
        responseLength = writer.Length;
        return true;
    }

    /* RFC 8489 §6.3.1.1 + §9.1.3, Binding error response to an authenticated request:
         header (0x0111) | ERROR-CODE | [UNKNOWN-ATTRIBUTES] | MESSAGE-INTEGRITY | FINGERPRINT */
    private static IceRequestStatus WriteError(StunMessage request, IceLiteCredentialSet credentials, int code, ReadOnlySpan<byte> reason,
        ReadOnlySpan<ushort> unknownAttributes, Span<byte> response, out int responseLength, IceRequestStatus status)
    {
        responseLength = 0;
        if (!StunMessageWriter.TryCreate(response, StunMessageType.BindingErrorResponse, request.TransactionId, out StunMessageWriter writer)
            || !writer.TryAppendErrorCode(code, reason)
            || (!unknownAttributes.IsEmpty && !writer.TryAppendUnknownAttributes(unknownAttributes))
            || !writer.TryAppendMessageIntegrity(credentials.Local.PasswordKey)
            || !writer.TryAppendFingerprint())
        {
            return IceRequestStatus.ResponseBufferTooSmall;
        }
        responseLength = writer.Length;
        return status;
    }
}
