// Signed membership statements (docs/e2ee.md "Membership statements"): a participant joining or leaving a call
// signs, with its device's Ed25519 key (RFC 8032), the room, the call, its session id, the roster epoch it saw, the
// SHA-256 of its registered device public keys, and the security code digest of the signing keys of the participant
// set it joins or leaves. The same definition as the .NET library's (MembershipStatement), byte for byte, so browsers
// and .NET clients check each other's statements. Version 3, integers big-endian:
//
//   "Conclave membership v3" || 0x00              the label (ASCII) and a separator
//   kind: uint8                                   1 = join, 2 = leave
//   room, call, session: uint16(length) || UTF-8  each; 0 to 65,535 bytes
//   epoch: uint64
//   signer: 32 bytes                              the signer's Ed25519 public key (RFC 8032 §5.1.5)
//   device keys digest: 32 bytes                  SHA-256 of the signer's device public keys as registered
//                                                 (device-keys.js): binds its agreement keys to its signing key
//   participants digest: 32 bytes                 securityCodeDigest (security-code.js) of the participant set's
//                                                 Ed25519 public keys
//
// The digest rather than the keys (version 1) keeps a statement's size constant, so a roster of N statements grows
// with N, not N²; the device keys digest (new in version 3) stops a server from swapping a participant's X25519 or
// X-Wing key for its own. Signed form: statement || the 64-byte Ed25519 signature of the statement (pure Ed25519, RFC 8032
// §5.1.6). The signer need not be in the participant set (a leave names the set it leaves). Verifying a signed
// statement proves only that the holder of `signer` signed it: callers then check `signer` is the key the participant
// registered.
//
//   const signed = await signStatement(me, { kind: MembershipKind.Join, room, call, session, epoch, signer: me.signingPublicKey, deviceKeysDigest, participants });
//   const statement = await verifySignedStatement(signed);   // null unless well-formed and signed by statement.signer

import { asBytes } from './hpke-core.js';
import { verify } from './device-identity.js';
import { securityCodeDigest } from './security-code.js';

/** The kinds of statement: the uint8 after the label. */
export const MembershipKind = Object.freeze({ Join: 1, Leave: 2 });

const LABEL = new TextEncoder().encode('Conclave membership v3');
const PREFIX_LENGTH = LABEL.length + 1;                          // the label and its 0x00 separator
const KEY_LENGTH = 32;                                           // an Ed25519 public key (RFC 8032 §5.1.5)
const DIGEST_LENGTH = 32;                                        // a SHA-256 digest
const SIGNATURE_LENGTH = 64;                                     // an Ed25519 signature (RFC 8032 §5.1.6)
const MAX_UINT16 = 0xffff;
const MAX_UINT64 = 0xFFFF_FFFF_FFFF_FFFFn;
/** The shortest statement: three empty strings. */
const MIN_STATEMENT_LENGTH = PREFIX_LENGTH + 1 + 3 * 2 + 8 + KEY_LENGTH + 2 * DIGEST_LENGTH;

const encoder = new TextEncoder();
// fatal: invalid UTF-8 (overlong forms, encoded surrogates, beyond U+10FFFF, truncated sequences) is refused, not
// replaced. ignoreBOM: a leading EF BB BF is a U+FEFF of the string, not a byte-order mark to drop, so what decodes is
// exactly what was encoded (as .NET's UTF8Encoding.GetString does).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A membership statement, as {@link encodeStatement} takes it and {@link decodeStatement} returns it.
 * @typedef {object} MembershipStatement
 * @property {number} kind {@link MembershipKind}: 1 (join) or 2 (leave).
 * @property {string} room The room id; at most 65,535 bytes of UTF-8.
 * @property {string} call The call id; at most 65,535 bytes of UTF-8.
 * @property {string} session The signer's session id in the call; at most 65,535 bytes of UTF-8.
 * @property {bigint | number} epoch The roster epoch the signer saw, in [0, 2^64 - 1]: a BigInt, or a non-negative
 *   safe integer Number when encoding; always a BigInt when decoded.
 * @property {Uint8Array} signer The signer's Ed25519 public key, 32 bytes (RFC 8032 §5.1.5).
 * @property {Uint8Array} deviceKeysDigest SHA-256 of the signer's registered device public keys, 32 bytes.
 * @property {Uint8Array} [participantsDigest] The participant set's security code digest, 32 bytes
 *   (securityCodeDigest in security-code.js). Always there when decoded; when encoding, give it or `participants`.
 * @property {Uint8Array[]} [participants] Encoding only, instead of `participantsDigest`: the participant set's Ed25519
 *   public keys, 32 bytes each, in any order, duplicates allowed (possibly none); the digest is computed from them.
 */

/**
 * The bytes of a membership statement, version 3 (see the top of this module). Given `participants`, the digest is
 * that of the set, so any order of the same keys gives the same bytes. Byte arrays are read once (copied) before use.
 * @param {MembershipStatement} statement With `participantsDigest` or `participants`, not both.
 * @returns {Promise<Uint8Array>}
 * @throws {TypeError} a field of the wrong type: kind not a number, a string field not a string or not well-formed
 *   (a lone surrogate, which UTF-8 cannot carry), epoch neither a BigInt nor a Number, a key or the digest not a
 *   Uint8Array, participants not an array, both or neither of participants and participantsDigest.
 * @throws {RangeError} a value out of range: an unknown kind, a string over 65,535 bytes of UTF-8, an epoch outside
 *   [0, 2^64 - 1] or a Number that is not a safe integer, a key or the digest not 32 bytes, more than 65,535 distinct
 *   participants.
 */
export async function encodeStatement(statement) {
  return (await encode(statement)).bytes;
}

/** {@link encodeStatement}, also giving the signer key it encoded (read once from `statement`). */
async function encode(statement) {
  if (statement === null || typeof statement !== 'object') throw new TypeError('a membership statement is an object');
  const { kind, room, call, session, epoch, signer, deviceKeysDigest, participants, participantsDigest } = statement;
  if (typeof kind !== 'number') throw new TypeError(`kind must be a number (MembershipKind), not ${typeof kind}`);
  if (kind !== MembershipKind.Join && kind !== MembershipKind.Leave) throw new RangeError(`unknown membership kind ${kind}`);
  const strings = [utf8(room, 'room'), utf8(call, 'call'), utf8(session, 'session')];
  const epochValue = toEpoch(epoch);
  const signerKey = toKey(signer, 'signer');
  const deviceKeys = toKey(deviceKeysDigest, 'deviceKeysDigest');
  if ((participants === undefined) === (participantsDigest === undefined)) {
    throw new TypeError('a statement has participants (their keys) or participantsDigest, not both or neither');
  }
  let digest;
  if (participantsDigest !== undefined) {
    digest = toKey(participantsDigest, 'participantsDigest');
  } else {
    if (!Array.isArray(participants)) throw new TypeError('participants must be an array of 32-byte Uint8Arrays');
    const keys = participants.map((k, i) => toKey(k, `participants[${i}]`));
    digest = await securityCodeDigest(keys);                     // RangeError beyond 65,535 distinct keys
  }

  const total = PREFIX_LENGTH + 1 + strings.reduce((sum, s) => sum + 2 + s.length, 0) + 8 + KEY_LENGTH + 2 * DIGEST_LENGTH;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(LABEL, 0);
  let at = PREFIX_LENGTH;                                        // the 0x00 separator is already zero
  out[at++] = kind;
  for (const s of strings) {
    view.setUint16(at, s.length);
    out.set(s, at + 2);
    at += 2 + s.length;
  }
  view.setBigUint64(at, epochValue);
  at += 8;
  out.set(signerKey, at);
  at += KEY_LENGTH;
  out.set(deviceKeys, at);
  at += DIGEST_LENGTH;
  out.set(digest, at);
  return { bytes: out, signer: signerKey };
}

/**
 * Parses the bytes of a membership statement, version 3. Strict: the result re-encodes to exactly `bytes`, so every
 * statement has one encoding. Never throws.
 * @param {BufferSource} bytes
 * @returns {MembershipStatement | null} epoch a BigInt, participantsDigest (no participants), all byte arrays fresh
 *   copies; null for anything else: not bytes, another label or version, truncated, trailing bytes, an unknown kind,
 *   invalid UTF-8.
 */
export function decodeStatement(bytes) {
  try {
    const view = asBytes(bytes);
    if (view === null) return null;
    return decodeCopy(view.slice());                             // one read of the caller's bytes
  } catch {
    return null;
  }
}

/**
 * Encodes `statement` and signs it with the device's Ed25519 key (pure Ed25519, RFC 8032 §5.1.6): the signed form,
 * statement bytes || 64-byte signature.
 * @param {{ signingPublicKey: Uint8Array, sign(bytes: Uint8Array): Promise<Uint8Array> }} identity A DeviceIdentity
 *   (device-identity.js), or anything that signs alike.
 * @param {MembershipStatement} statement Its signer must be `identity.signingPublicKey`.
 * @returns {Promise<Uint8Array>}
 * @throws {TypeError | RangeError} what {@link encodeStatement} throws; TypeError when `identity` cannot sign;
 *   RangeError when statement.signer is not identity.signingPublicKey.
 */
export async function signStatement(identity, statement) {
  if (identity === null || typeof identity !== 'object' || typeof identity.sign !== 'function'
      || !(identity.signingPublicKey instanceof Uint8Array)) {
    throw new TypeError('identity must be a device identity (loadDeviceIdentity())');
  }
  const { bytes, signer } = await encode(statement);
  if (compareBytes(signer, identity.signingPublicKey) !== 0) {
    throw new RangeError("the statement's signer is not this identity's signing public key");
  }
  const signature = asBytes(await identity.sign(bytes));
  if (signature === null || signature.length !== SIGNATURE_LENGTH) throw new Error('the identity made no 64-byte Ed25519 signature');
  const signed = new Uint8Array(bytes.length + SIGNATURE_LENGTH);
  signed.set(bytes, 0);
  signed.set(signature, bytes.length);
  return signed;
}

/**
 * Checks a signed statement (statement || 64-byte signature): the statement must decode ({@link decodeStatement}) and
 * the signature verify under the statement's own signer key (Ed25519, RFC 8032 §5.1.7, device-identity.js `verify`).
 * This proves only that the holder of `signer` signed it: callers then check that `signer` is the key the participant
 * registered, and that room, call, session and epoch are the ones expected. Never throws and never rejects.
 * @param {BufferSource} signed
 * @returns {Promise<MembershipStatement | null>} the decoded statement, or null when malformed or not validly signed.
 */
export async function verifySignedStatement(signed) {
  try {
    const view = asBytes(signed);
    if (view === null) return null;
    const copy = view.slice();                                   // verify and decode the same bytes
    if (copy.length < MIN_STATEMENT_LENGTH + SIGNATURE_LENGTH) return null;
    const bytes = copy.subarray(0, copy.length - SIGNATURE_LENGTH);
    const signature = copy.subarray(copy.length - SIGNATURE_LENGTH);
    const statement = decodeCopy(bytes);
    if (statement === null) return null;
    return (await verify(statement.signer, signature, bytes)) ? statement : null;
  } catch {
    return null;
  }
}

/** Parses `bytes`, which nobody else holds; null when malformed. */
function decodeCopy(bytes) {
  if (bytes.length < MIN_STATEMENT_LENGTH) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < LABEL.length; i++) if (bytes[i] !== LABEL[i]) return null;
  if (bytes[LABEL.length] !== 0) return null;
  let at = PREFIX_LENGTH;
  const kind = bytes[at++];
  if (kind !== MembershipKind.Join && kind !== MembershipKind.Leave) return null;
  const strings = [];
  for (let i = 0; i < 3; i++) {
    if (at + 2 > bytes.length) return null;
    const length = view.getUint16(at);
    at += 2;
    if (at + length > bytes.length) return null;
    let text;
    try {
      text = decoder.decode(bytes.subarray(at, at + length));
    } catch {
      return null;                                               // invalid UTF-8
    }
    strings.push(text);
    at += length;
  }
  if (bytes.length - at !== 8 + KEY_LENGTH + 2 * DIGEST_LENGTH) return null;  // truncated, or trailing bytes
  const epoch = view.getBigUint64(at);
  at += 8;
  const signer = bytes.slice(at, at + KEY_LENGTH);
  at += KEY_LENGTH;
  const deviceKeysDigest = bytes.slice(at, at + DIGEST_LENGTH);
  at += DIGEST_LENGTH;
  const participantsDigest = bytes.slice(at, at + DIGEST_LENGTH);
  const [room, call, session] = strings;
  return { kind, room, call, session, epoch, signer, deviceKeysDigest, participantsDigest };
}

/** `value` as UTF-8, checked: a well-formed string of at most 65,535 bytes. */
function utf8(value, what) {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, not ${typeof value}`);
  if (!isWellFormed(value)) throw new TypeError(`${what} has a lone surrogate: it is not encodable as UTF-8`);
  const bytes = encoder.encode(value);
  if (bytes.length > MAX_UINT16) throw new RangeError(`${what} is ${bytes.length} bytes of UTF-8; at most 65,535`);
  return bytes;
}

/** Whether `s` has no lone surrogates (String.prototype.isWellFormed, which older browsers lack). */
function isWellFormed(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);                         // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** The epoch as a BigInt in [0, 2^64 - 1]. */
function toEpoch(value) {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`epoch must be a non-negative safe integer or a BigInt, not ${value}`);
    return BigInt(value);
  }
  if (typeof value !== 'bigint') throw new TypeError(`epoch must be a BigInt or a Number, not ${typeof value}`);
  if (value < 0n || value > MAX_UINT64) throw new RangeError(`epoch ${value} is outside [0, 2^64 - 1]`);
  return value;
}

/** A copy of an Ed25519 public key (RFC 8032 §5.1.5) or of a SHA-256 digest: a Uint8Array of 32 bytes. */
function toKey(value, what) {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array of 32 bytes`);
  const copy = value.slice();
  if (copy.length !== KEY_LENGTH) throw new RangeError(`${what} is ${copy.length} bytes, not 32`);
  return copy;
}

/** Ascending unsigned byte order, shorter first when one is a prefix of the other (as security-code.js). */
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
