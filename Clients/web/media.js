// The call's media (docs/web-client.md): one RTCPeerConnection to the SFU, BUNDLEd. The page always makes the offers
// and the server answers (docs/signaling.md, "Media"), so there is never glare: on every change (a track published
// by someone, a screen share started here) the page adds or stops transceivers and offers again.

const AUDIO_CODECS = ['audio/opus'];
const VIDEO_CODECS = ['video/VP8', 'video/rtx'];
// The dependency descriptor (AV1 RTP spec, Appendix A) tells the SFU keyframes and layer sizes without reading
// frames; Chromium supports it but does not offer it unless asked (docs/web-client.md). The transport-wide sequence
// number lets the page's transport-cc feedback drive the SFU's bandwidth estimate for it; Chromium leaves it out of
// new sections once an answer (the SFU's, for the sections it receives on) went without it, unless asked.
const DEPENDENCY_DESCRIPTOR = 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension';
const TRANSPORT_WIDE_CC = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
// The camera goes out as three simulcast encodings, lowest first (RFC 8853); the SFU forwards each subscriber the
// largest that fits the size it shows the video at and its bandwidth. Screens go out as one encoding.
const CAMERA_ENCODINGS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000, scalabilityMode: 'L1T3' },
];

export class CallMedia extends EventTarget {
  #signaling; #frames; #pc = null; #local = null; #screen = null;
  #remoteTracks = new Map();      // trackId → { trackId, participantId, kind, source }
  #receivers = new Map();         // trackId → transceiver
  #publishing = new Map();        // transceiver → source
  #negotiating = false; #again = false;
  #stats = [];                    // last inbound stats, for state()
  #rtcp = { senderReports: 0, receiverReports: 0 };
  #statsTimer = null;
  #videoSizes = new Map();        // trackId → { width, height, sent }: the size each remote video is shown at
  #wantedLayers = new Map();      // mid → rids the SFU last asked this page to send (dynacast)
  #layersApplied = Promise.resolve();

  /**
   * @param {import('./signaling.js').Signaling} signaling
   * @param {import('./e2ee/frame-crypto.js').FrameCrypto} frames encrypts every sent frame and decrypts every received
   *   one; each transceiver is handed to it as it is made, before it is negotiated (docs/e2ee.md).
   */
  constructor(signaling, frames) { super(); this.#signaling = signaling; this.#frames = frames; }

  /** The local camera and microphone stream (null when the devices are unavailable). */
  get localStream() { return this.#local; }

  /** Inbound stats per remote track: { participantId, trackId, kind, framesDecoded, frameWidth, frameHeight,
   *  packetsReceived, packetsLost, audioLevel, framesDecrypted, decryptErrors, framesWithoutKey }. */
  get inbound() { return this.#stats; }

  /** The others' tracks from the last `tracks` event: { trackId, participantId, kind, source, muted }. */
  get remoteTracks() { return [...this.#remoteTracks.values()]; }

  /** What the SFU's RTCP gave this page: received tracks with a sender report (remote-outbound-rtp), and sent
   *  tracks with a receiver report carrying a round-trip time (remote-inbound-rtp). */
  get rtcp() { return { ...this.#rtcp }; }

  /** True while this page shares its screen. */
  get sharingScreen() { return this.#screen !== null; }

  /** Opens the devices (if allowed) and the PeerConnection, and publishes them. */
  async start() {
    try {
      this.#local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
    } catch (error) {
      this.#local = null;   // No devices or no permission: the page still receives.
      this.dispatchEvent(new CustomEvent('device-error', { detail: error.name }));
    }
    this.#pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', ...this.#frames.constructor.peerConnectionOptions });
    this.#pc.ontrack = (event) => this.#onTrack(event);
    this.#pc.onconnectionstatechange = () => {
      const state = this.#pc?.connectionState;
      this.dispatchEvent(new CustomEvent('connection', { detail: state }));
      if (state === 'failed') this.restartIce();
    };
    for (const track of this.#local?.getTracks() ?? []) this.#publish(track, track.kind === 'audio' ? 'microphone' : 'camera', this.#local);
    this.#statsTimer = setInterval(() => this.#collectStats(), 500);
    await this.negotiate();
  }

  /** The call's tracks changed (a `tracks` event): subscribe to new ones, drop the ones that ended. */
  setRemoteTracks(tracks) {
    this.#remoteTracks = new Map(tracks.map((track) => [track.trackId, track]));
    for (const [trackId, transceiver] of this.#receivers) {
      if (this.#remoteTracks.has(trackId)) continue;
      transceiver.stop();
      this.#receivers.delete(trackId);
      this.#videoSizes.delete(trackId);
      this.dispatchEvent(new CustomEvent('track-ended', { detail: { trackId } }));
    }
    if (this.#pc) this.negotiate();
  }

  /** Mutes or unmutes the microphone or camera: the track sends silence or black frames, and the call is told
   *  (`mute`), so the others' `tracks` show it. */
  async setEnabled(kind, enabled) {
    for (const track of this.#local?.getTracks() ?? []) if (track.kind === kind) track.enabled = enabled;
    const source = kind === 'audio' ? 'microphone' : 'camera';
    for (const [transceiver, published] of this.#publishing) {
      if (published === source && transceiver.mid) await this.#signaling.request({ type: 'mute', mid: transceiver.mid, muted: !enabled });
    }
  }

  /** After a network change (a failed connection, a signaling reconnect): offers new ICE credentials, so the SFU
   *  checks the new path (RFC 8445 §9); the DTLS association and every track stay. */
  restartIce() {
    if (!this.#pc) return;
    this.#pc.restartIce();
    this.negotiate();
  }

  /** The size a remote video track is shown at (0 × 0: hidden), so the SFU sends the encoding that fits it. */
  setVideoSize(trackId, width, height) {
    const known = this.#videoSizes.get(trackId);
    if (known && known.width === width && known.height === height) return;
    this.#videoSizes.set(trackId, { width, height, sent: false });
    this.#sendVideoSizes();
  }

  /** Dynacast (`layers` event): sends only the camera encodings some subscriber can use, pausing the others.
   *  Changes are applied one at a time, the latest wins (setParameters refuses parameters read before another change). */
  setActiveLayers(mid, rids) {
    this.#wantedLayers.set(mid, rids);
    const applied = this.#layersApplied.then(() => this.#applyLayers(mid));
    this.#layersApplied = applied.catch(() => {});
    return applied;
  }

  async #applyLayers(mid) {
    const rids = this.#wantedLayers.get(mid);
    for (const [transceiver] of this.#publishing) {
      if (transceiver.mid !== mid || transceiver.stopped) continue;
      const parameters = transceiver.sender.getParameters();
      if (!parameters.encodings?.some((e) => e.rid)) return;
      let changed = false;
      for (const encoding of parameters.encodings) {
        const active = rids.includes(encoding.rid);
        if (encoding.active !== active) { encoding.active = active; changed = true; }
      }
      if (changed) await transceiver.sender.setParameters(parameters);
    }
  }

  /** Starts or stops sharing the screen as a third published track. */
  async toggleScreen() {
    if (this.#screen) {
      this.#stopScreen();
      await this.negotiate();
      return false;
    }
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const [track] = stream.getVideoTracks();
    track.onended = () => { if (this.#screen?.track === track) { this.#stopScreen(); this.negotiate(); } };
    this.#screen = { track, transceiver: this.#publish(track, 'screen', stream) };
    await this.negotiate();
    return true;
  }

  /** Offers again until the server's answer matches what this page wants. Calls made meanwhile are coalesced. */
  async negotiate() {
    if (this.#negotiating) { this.#again = true; return; }
    // Nothing to send and nothing to receive yet: there is no section to offer.
    if (!this.#pc || (this.#publishing.size === 0 && this.#remoteTracks.size === 0)) return;
    this.#negotiating = true;
    try {
      do {
        this.#again = false;
        for (const track of this.#remoteTracks.values()) {
          if (this.#receivers.has(track.trackId)) continue;
          const transceiver = this.#pc.addTransceiver(track.kind, { direction: 'recvonly' });
          this.#frames.attachReceiver(transceiver.receiver, track.trackId, track.kind);
          preferCodecs(transceiver, track.kind);
          negotiateExtensions(transceiver);
          this.#receivers.set(track.trackId, transceiver);
        }
        await this.#pc.setLocalDescription(await this.#pc.createOffer());
        const publish = [...this.#publishing].filter(([t]) => !t.stopped && t.mid).map(([t, source]) => ({ mid: t.mid, source }));
        const subscribe = [...this.#receivers].filter(([, t]) => !t.stopped && t.mid).map(([trackId, t]) => ({ mid: t.mid, trackId }));
        const answer = await this.#signaling.request({ type: 'offer', sdp: this.#pc.localDescription.sdp, publish, subscribe });
        await this.#pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      } while (this.#again);
    } finally {
      this.#negotiating = false;
    }
    this.#sendVideoSizes();
  }

  /** Closes the PeerConnection and the devices. */
  close() {
    clearInterval(this.#statsTimer);
    this.#stopScreen();
    for (const track of this.#local?.getTracks() ?? []) track.stop();
    this.#pc?.close();
    this.#pc = null;
    this.#receivers.clear();
    this.#stats = [];
  }

  #publish(track, source, stream) {
    const init = { direction: 'sendonly', streams: [stream] };
    if (source === 'camera') init.sendEncodings = CAMERA_ENCODINGS.map((e) => ({ ...e }));
    const transceiver = this.#pc.addTransceiver(track, init);
    this.#frames.attachSender(transceiver.sender, source, track.kind);
    preferCodecs(transceiver, track.kind);
    negotiateExtensions(transceiver);
    this.#publishing.set(transceiver, source);
    return transceiver;
  }

  /** Tells the SFU the sizes not sent yet, for the video tracks this page receives (a track must be subscribed first). */
  #sendVideoSizes() {
    for (const [trackId, size] of this.#videoSizes) {
      if (size.sent) continue;
      const transceiver = this.#receivers.get(trackId);
      if (!transceiver?.mid || transceiver.stopped || this.#remoteTracks.get(trackId)?.kind !== 'video') continue;
      size.sent = true;
      this.#signaling.request({ type: 'video-size', trackId, maxWidth: size.width, maxHeight: size.height })
        .catch(() => { size.sent = false; });   // the track ended meanwhile, or the call: sent again with the next change
    }
  }

  #stopScreen() {
    if (!this.#screen) return;
    this.#screen.track.stop();
    this.#screen.transceiver.stop();
    this.#publishing.delete(this.#screen.transceiver);
    this.#screen = null;
  }

  #trackOf(mid) {
    for (const [trackId, transceiver] of this.#receivers) if (transceiver.mid === mid) return this.#remoteTracks.get(trackId);
    return null;
  }

  #onTrack(event) {
    const info = this.#trackOf(event.transceiver.mid);
    if (info) this.dispatchEvent(new CustomEvent('track', { detail: { ...info, track: event.track } }));
  }

  async #collectStats() {
    if (!this.#pc) return;
    const report = await this.#pc.getStats();
    const inbound = [];
    const rtcp = { senderReports: 0, receiverReports: 0 };
    report.forEach((s) => {
      if (s.type === 'remote-outbound-rtp') rtcp.senderReports++;
      if (s.type === 'remote-inbound-rtp' && s.roundTripTime !== undefined) rtcp.receiverReports++;
      if (s.type !== 'inbound-rtp') return;
      const info = this.#trackOf(s.mid);
      if (!info) return;
      inbound.push({
        participantId: info.participantId,
        trackId: info.trackId,
        kind: s.kind,
        framesDecoded: s.framesDecoded ?? 0,
        frameWidth: s.frameWidth ?? 0,
        frameHeight: s.frameHeight ?? 0,
        packetsReceived: s.packetsReceived ?? 0,
        packetsLost: s.packetsLost ?? 0,
        audioLevel: s.audioLevel ?? 0,
        ...decryption(this.#frames.stats.inbound[info.trackId]),
      });
    });
    this.#stats = inbound;
    this.#rtcp = rtcp;
  }
}

/** What the frame worker counted for a received track: frames decrypted, frames that failed (a forged or corrupted
 *  frame, or one of a key epoch newer than held), and frames of a key this page was not given (sent before it joined). */
function decryption(counts) {
  return { framesDecrypted: counts?.decrypted ?? 0, decryptErrors: counts?.decryptErrors ?? 0, framesWithoutKey: counts?.framesWithoutKey ?? 0 };
}

/** Asks for transport-cc (and, on video, the dependency descriptor) on this transceiver, with whatever else the
 * browser offers by default. */
function negotiateExtensions(transceiver) {
  if (!transceiver.setHeaderExtensionsToNegotiate) return;
  const wanted = transceiver.receiver.track.kind === 'video' ? [TRANSPORT_WIDE_CC, DEPENDENCY_DESCRIPTOR] : [TRANSPORT_WIDE_CC];
  const extensions = transceiver.getHeaderExtensionsToNegotiate();
  if (!extensions.some((e) => wanted.includes(e.uri))) return;
  transceiver.setHeaderExtensionsToNegotiate(extensions.map((e) => (wanted.includes(e.uri) ? { ...e, direction: 'sendrecv' } : e)));
}

/** Offers only the codecs the SFU forwards (Opus, VP8 and its RTX for retransmissions), which also keeps offers small. */
function preferCodecs(transceiver, kind) {
  const wanted = kind === 'audio' ? AUDIO_CODECS : VIDEO_CODECS;
  const codecs = RTCRtpReceiver.getCapabilities(kind)?.codecs.filter((c) => wanted.includes(c.mimeType)) ?? [];
  if (codecs.length > 0 && transceiver.setCodecPreferences) transceiver.setCodecPreferences(codecs);
}
