// The call page's frame encryption worker (docs/e2ee.md, "In the call page"). Every RTCRtpSender and RTCRtpReceiver
// of the call gets an RTCRtpScriptTransform running here: outgoing encoded frames are replaced by their SFrame
// ciphertext (RFC 9605 §4.4.3), incoming ones by their plaintext (§4.4.4). A frame is never sent in clear: without a
// key it is dropped. The page posts keys ({ type: 'send-key' | 'receive-key', kid, baseKey }) and reads counters
// (posted here as { type: 'stats', inbound, outbound } whenever they changed, at most twice a second).
import { SFrameReceiver, SFrameSender, SFrameStatus, kidEpoch, kidSenderIndex } from './sframe.js';

const sender = new SFrameSender();
// Three epochs per sender (the newest and two older, for frames in flight across a rotation), for up to 500 senders.
const receiver = new SFrameReceiver({ keysPerSender: 3, maxKeys: 1500 });
const newestEpoch = new Map();          // sender index → epoch of the newest key held for it
const inbound = new Map();              // transform id → { decrypted, decryptErrors, framesWithoutKey }
const outbound = new Map();             // transform id → { encrypted, dropped }
let statsDirty = false;

onmessage = async ({ data }) => {
  if (data.type === 'send-key') {
    // Refused only if this exact key was installed before (its counters would repeat, RFC 9605 §9.1): keep the current.
    await sender.setKey(data.kid, data.baseKey).catch(() => {});
  } else if (data.type === 'receive-key') {
    await receiver.addKey(data.kid, data.baseKey);
    const index = kidSenderIndex(data.kid);
    const epoch = kidEpoch(data.kid);
    if (!newestEpoch.has(index) || isNewer(epoch, newestEpoch.get(index))) newestEpoch.set(index, epoch);
  } else if (data.type === 'streams') {
    pipe(data.readable, data.writable, data.options);          // the encoded-insertable-streams fallback
  }
  data.baseKey?.fill?.(0);
};

onrtctransform = ({ transformer }) => pipe(transformer.readable, transformer.writable, transformer.options);

function pipe(readable, writable, { role, id, kind }) {
  const clear = kind === 'video' ? vp8ClearPrefix : () => 0;
  const transform = role === 'send' ? encryptFrame(clear, counters(outbound, id, { encrypted: 0, dropped: 0 }))
    : decryptFrame(clear, counters(inbound, id, { decrypted: 0, decryptErrors: 0, framesWithoutKey: 0 }));
  readable.pipeThrough(new TransformStream({ transform })).pipeTo(writable).catch(() => {});
}

function counters(map, id, initial) {
  if (!map.has(id)) map.set(id, initial);
  return map.get(id);
}

/**
 * How many bytes of a VP8 frame stay in clear: its uncompressed data chunk (RFC 6386 §9.1), 10 bytes on a keyframe
 * (frame tag, start code, dimensions) and 3 otherwise, so that receivers and the SFU find keyframes and sizes even
 * where the dependency descriptor is not negotiated. It tells no more than the descriptor does, and is authenticated
 * as SFrame metadata (RFC 9605 §9.4). -1: too short to be VP8.
 */
function vp8ClearPrefix(bytes) {
  if (bytes.length < 3) return -1;
  const length = (bytes[0] & 0x01) === 0 ? 10 : 3;                 // P bit: 0 = keyframe
  return bytes.length >= length ? length : -1;
}

function encryptFrame(clear, count) {
  return async (frame, controller) => {
    const data = new Uint8Array(frame.data);
    const prefix = clear(data);
    const { status, ciphertext } = prefix < 0 ? { status: SFrameStatus.Malformed }
      : await sender.encrypt(data.subarray(prefix), data.subarray(0, prefix));
    if (status !== SFrameStatus.Ok) { count.dropped++; changed(); return; }   // no key yet: dropped, never sent in clear
    const out = new Uint8Array(prefix + ciphertext.length);
    out.set(data.subarray(0, prefix), 0);
    out.set(ciphertext, prefix);
    frame.data = out.buffer;
    count.encrypted++;
    changed();
    controller.enqueue(frame);
  };
}

function decryptFrame(clear, count) {
  return async (frame, controller) => {
    const data = new Uint8Array(frame.data);
    const prefix = clear(data);
    const { status, plaintext, kid } = prefix < 0 ? { status: SFrameStatus.Malformed }
      : await receiver.decrypt(data.subarray(prefix), data.subarray(0, prefix));
    changed();
    if (status === SFrameStatus.Ok) {
      const out = new Uint8Array(prefix + plaintext.length);
      out.set(data.subarray(0, prefix), 0);
      out.set(plaintext, prefix);
      frame.data = out.buffer;
      count.decrypted++;
      controller.enqueue(frame);
      return;
    }
    // A frame of a key this page was never given (it joined after that epoch: forward secrecy) or not yet given (the
    // sender's first key is on its way) is expected around a join; one of a newer epoch than the page holds for that
    // sender, or one that fails authentication, is an error.
    if (status === SFrameStatus.UnknownKey && !isNewer(kidEpoch(kid), newestEpoch.get(kidSenderIndex(kid)) ?? null)) count.framesWithoutKey++;
    else count.decryptErrors++;
  };
}

/** True when epoch `a` comes after `b` (epochs wrap at 256; a window of 127 either way). No key yet: nothing is newer. */
function isNewer(a, b) {
  if (b === null) return false;
  const distance = (a - b) & 0xff;
  return distance > 0 && distance < 128;
}

function changed() {
  if (statsDirty) return;
  statsDirty = true;
  setTimeout(() => {
    statsDirty = false;
    postMessage({ type: 'stats', inbound: Object.fromEntries(inbound), outbound: Object.fromEntries(outbound) });
  }, 500);
}
