// The call's key schedule (docs/e2ee.md, "Key distribution"): one secret per key epoch, shared by the call's signed
// members, from which every sender's SFrame base_key is derived (as RFC 9605 §5.2 does from an MLS epoch secret).
// Integers big-endian; strings are uint16(length) || UTF-8.
//
//   sender index(p)      = uint32 of the first 4 bytes of SHA-256("Conclave sender v1" || 0x00 || session || signing key)
//   base_key(p, epoch)   = HKDF-Expand(epoch secret, "Conclave SFrame sender v1" || 0x00 || session || signing key, 16)
//   secret(epoch + 1)    = HKDF-Expand(secret(epoch), "Conclave epoch ratchet v1", 32)     on a join (ratchet)
//                        = 32 random bytes                                                 on a leave (fresh)
//   HPKE info of a wrap  = "Conclave epoch key v1" || 0x00 || room || call || from session || to session || uint64 epoch
//   signed message       = "Conclave e2ee message v1" || 0x00 || room || call || from session || to session || body
//
// Every key-distribution message is signed (Ed25519) by its sender's device over `signed message`, body being the
// message's JSON text as sent: HPKE base mode does not say who sealed a wrap, and the relay's `from` is the server's
// word, so without the signature a server could hand a member a key of its own choosing.
// The base key depends on the session and the device's signing key, so two senders never share one (and never
// repeat a nonce), even if their 32-bit indexes collide; a collision only makes a receiver try the wrong key.
import { concat, expand, i2osp } from './hpke-core.js';
import { conclaveKid } from './sframe.js';

export const EPOCH_SECRET_LENGTH = 32;
/** AES_128_GCM_SHA256_128's Nk (RFC 9605 §8.1). */
const BASE_KEY_LENGTH = 16;
const encoder = new TextEncoder();
const SENDER_INDEX_LABEL = label('Conclave sender v1');
const SENDER_KEY_LABEL = label('Conclave SFrame sender v1');
const RATCHET_LABEL = encoder.encode('Conclave epoch ratchet v1');
const WRAP_LABEL = label('Conclave epoch key v1');
const MESSAGE_LABEL = label('Conclave e2ee message v1');

function label(text) { return concat(encoder.encode(text), new Uint8Array([0])); }

function text(value) {
  const bytes = encoder.encode(value);
  if (bytes.length > 0xffff) throw new RangeError('a string of the key schedule is over 65,535 bytes');
  return concat(i2osp(bytes.length, 2), bytes);
}

function senderId(session, signingKey) { return concat(text(session), signingKey); }

/** The participant's sender index: the high bits of its SFrame KIDs (conclaveKid). */
export async function senderIndex(session, signingKey) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', concat(SENDER_INDEX_LABEL, senderId(session, signingKey))));
  return BigInt(new DataView(digest.buffer).getUint32(0));
}

/** The KID and SFrame base_key the participant sends with in `epoch`. */
export async function senderKey(epochSecret, epoch, session, signingKey) {
  const [index, baseKey] = await Promise.all([
    senderIndex(session, signingKey),
    expand(epochSecret, concat(SENDER_KEY_LABEL, senderId(session, signingKey)), BASE_KEY_LENGTH),
  ]);
  return { kid: conclaveKid(index, epoch), baseKey };
}

/** The next epoch's secret on a join: the newcomer, given only this one, cannot compute earlier ones. */
export function ratchet(epochSecret) { return expand(epochSecret, RATCHET_LABEL, EPOCH_SECRET_LENGTH); }

/** A new epoch's secret on a leave: unrelated to every earlier one, so the leaver learns nothing of it. */
export function freshSecret() { return crypto.getRandomValues(new Uint8Array(EPOCH_SECRET_LENGTH)); }

/** The HPKE info binding a wrapped epoch secret to its call, its sender, its recipient and its epoch. */
export function wrapInfo({ room, call, from, to, epoch }) {
  return concat(WRAP_LABEL, text(room), text(call), text(from), text(to), i2osp(epoch, 8));
}

/** The bytes a key-distribution message's sender signs: who sends `body` (its JSON text) to whom, in which call. */
export function messageToSign({ room, call, from, to, body }) {
  return concat(MESSAGE_LABEL, text(room), text(call), text(from), text(to), encoder.encode(body));
}
