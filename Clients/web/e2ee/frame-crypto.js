// The page's side of frame encryption (docs/e2ee.md, "In the call page"): one worker (frame-worker.js) encrypts and
// decrypts every frame of the call. Each sender and receiver is handed to it when its transceiver is made, before
// any negotiation: Chromium silently bypasses a transform attached later (ENVIRONMENT.md), which would send frames
// in clear. RTCRtpScriptTransform where the browser has it; encoded insertable streams (createEncodedStreams, which
// needs the PeerConnection made with `encodedInsertableStreams: true`) otherwise.
export class FrameCrypto extends EventTarget {
  #worker = new Worker(new URL('./frame-worker.js', import.meta.url), { type: 'module' });
  #stats = { inbound: {}, outbound: {} };

  constructor() {
    super();
    this.#worker.onmessage = ({ data }) => {
      if (data.type !== 'stats') return;
      this.#stats = { inbound: data.inbound, outbound: data.outbound };
      this.dispatchEvent(new Event('stats'));
    };
  }

  /** True when this browser can transform encoded frames at all. */
  static get supported() {
    return typeof RTCRtpScriptTransform === 'function' || typeof RTCRtpSender.prototype.createEncodedStreams === 'function';
  }

  /** What RTCPeerConnection must be made with for the fallback. */
  static get peerConnectionOptions() {
    return typeof RTCRtpScriptTransform === 'function' ? {} : { encodedInsertableStreams: true };
  }

  /** Counters per transform id: inbound { decrypted, decryptErrors, framesWithoutKey }, outbound { encrypted, dropped }. */
  get stats() { return this.#stats; }

  /** Encrypts everything `sender` sends (`kind`: audio or video); `id` names it in the stats. */
  attachSender(sender, id, kind) { this.#attach(sender, { role: 'send', id, kind }); }

  /** Decrypts everything `receiver` gets (`kind`: audio or video); `id` names it in the stats. */
  attachReceiver(receiver, id, kind) { this.#attach(receiver, { role: 'receive', id, kind }); }

  setSendKey(kid, baseKey) { this.#worker.postMessage({ type: 'send-key', kid, baseKey }, [baseKey.buffer]); }

  addReceiveKey(kid, baseKey) { this.#worker.postMessage({ type: 'receive-key', kid, baseKey }, [baseKey.buffer]); }

  close() { this.#worker.terminate(); }

  #attach(senderOrReceiver, options) {
    if (typeof RTCRtpScriptTransform === 'function') {
      senderOrReceiver.transform = new RTCRtpScriptTransform(this.#worker, options);
      return;
    }
    const { readable, writable } = senderOrReceiver.createEncodedStreams();
    this.#worker.postMessage({ type: 'streams', options, readable, writable }, [readable, writable]);
  }
}
