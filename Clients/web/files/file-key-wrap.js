// The file key, per recipient device (docs/file-format.md, "The file key, per recipient"): sealed with HPKE base mode
// (RFC 9180), HPKE-X-Wing when the device registered an X-Wing key and DHKEM(X25519) otherwise (HKDF-SHA256,
// AES-128-GCM both), and signed with the sender's device key (Ed25519), as one base64url string. Byte for byte what
// the C# FileKeyWrap makes and reads (tests/Conclave.Browser.Tests/FileKeyWrapInteropTests, both ways).
//
//   const wrap = await wrapFileKey(me, { fileKey, fileId, head, userId, recipientKeys });   // 199 or 1,650 characters
//   const opened = await unwrapFileKey(me, { wrap, fileId, head, userId, senderSigningKeys });   // { fileKey, signer } | null
//
// `head` is header || manifest record of the file as stored (file-format.js yields it first when encrypting, and
// decryptFile hands it to a key function when decrypting): the signature covers its SHA-256, so a wrap opens only
// with the file it was made for, and only for the recipient (user id and registered keys) it names.

/*
 Strings are u16 length || UTF-8; integers big-endian.
   info   = "Conclave file key v1" || 0x00 || file id || recipient user id || SHA-256(recipient device public keys)
   signed = "Conclave file key signature v1" || 0x00 || file id || recipient user id
            || SHA-256(recipient device public keys) || SHA-256(header || manifest record)
            || kem (1: X25519, 2: X-Wing) || u16 length || enc || u16 length || ct
   wrap   = base64url (RFC 4648 §5, no padding) of  kem || u16 length || enc || u16 length || ct || signature (64)
*/

import { Suites, open, seal } from '../e2ee/hpke.js';
import { verify } from '../e2ee/device-identity.js';
import { decodeDevicePublicKeys, encodeDevicePublicKeys } from '../e2ee/device-keys.js';
import { asBytes } from '../e2ee/header.js';

/** The longest wrap string a reader takes. */
export const MAX_WRAP_LENGTH = 4096;
/** The kem byte of a DHKEM(X25519, HKDF-SHA256) wrap. */
export const KEM_X25519 = 1;
/** The kem byte of an HPKE-X-Wing wrap. */
export const KEM_XWING = 2;

const FILE_KEY_LENGTH = 32;
const SEALED_KEY_LENGTH = FILE_KEY_LENGTH + 16;     // ct: the key and the AEAD tag
const SIGNATURE_LENGTH = 64;
const ENC_LENGTH = Object.freeze({ [KEM_X25519]: 32, [KEM_XWING]: 1120 });
const FILE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const INFO_LABEL = encoder.encode('Conclave file key v1\0');
const SIGNATURE_LABEL = encoder.encode('Conclave file key signature v1\0');

/**
 * Wraps `fileKey` to one device of user `userId` and signs the wrap with `sender`.
 * @param {{ sign(bytes: Uint8Array): Promise<Uint8Array> }} sender This device (a DeviceIdentity).
 * @param {object} what
 * @param {Uint8Array} what.fileKey The 32-byte file key.
 * @param {string} what.fileId The id the server knows the upload by.
 * @param {Uint8Array} what.head header || manifest record of the encrypted file.
 * @param {string} what.userId The recipient's user id.
 * @param {Uint8Array | string} what.recipientKeys The recipient device's public keys as registered (bytes, or their
 *   base64 as the API and the roster carry them).
 * @returns {Promise<string>} The wrap.
 * @throws {TypeError} A key of the wrong length, a file id that is not one, a user id over 65,535 UTF-8 bytes,
 *   recipient keys that are not registered keys; or HPKE refusing the recipient's public key (that device cannot be
 *   sent the file).
 */
export async function wrapFileKey(sender, { fileKey, fileId, head, userId, recipientKeys }) {
  const key = asBytes(fileKey);
  if (key === null || key.length !== FILE_KEY_LENGTH) throw new TypeError(`a file key is ${FILE_KEY_LENGTH} bytes`);
  const { keys, digest } = await registered(recipientKeys, 'recipientKeys');
  const headDigest = await sha256(requireHead(head));
  const info = concat(INFO_LABEL, fileIdText(fileId), text(userId, 'userId'), digest);
  const xwing = keys.xwingPublicKey !== null;
  let sealed;
  try {
    sealed = xwing
      ? await seal(keys.xwingPublicKey, info, EMPTY, key, { suite: Suites.XWingSha256Aes128Gcm })
      : await seal(keys.agreementPublicKey, info, EMPTY, key);
  } catch (error) {
    throw new TypeError(`HPKE refuses the recipient's ${xwing ? 'X-Wing' : 'X25519'} public key (${error.message})`);
  }
  const tail = concat(Uint8Array.of(xwing ? KEM_XWING : KEM_X25519), u16(sealed.enc.length), sealed.enc, u16(sealed.ct.length), sealed.ct);
  const signature = await sender.sign(concat(SIGNATURE_LABEL, fileIdText(fileId), text(userId, 'userId'), digest, headDigest, tail));
  return toBase64Url(concat(tail, signature));
}

/**
 * Opens a wrap sent to this device: checks its form, that its kem is the one this device's registered keys call for,
 * and its signature under one of `senderSigningKeys` over this file, file id and recipient, and only then opens the
 * key with HPKE. Null for any failure: never throws on what the wrap or the sender keys hold.
 * @param {import('../e2ee/device-identity.js').DeviceIdentity} recipient This device.
 * @param {object} what
 * @param {string} what.wrap The wrap string, as the server relays it.
 * @param {string} what.fileId
 * @param {Uint8Array} what.head header || manifest record, as read from the stored file.
 * @param {string} what.userId This device's user id.
 * @param {Iterable<Uint8Array>} what.senderSigningKeys The Ed25519 keys the wrap may be signed with: those of the
 *   file owner's registered devices.
 * @param {Uint8Array | string} [what.registeredKeys] This device's public keys as registered (what the sender wrapped
 *   to); all of `recipient`'s keys when absent.
 * @returns {Promise<{ fileKey: Uint8Array, signer: Uint8Array } | null>} The 32-byte key (the caller wipes it) and
 *   the signing key that signed the wrap.
 * @throws {TypeError} Only for the caller's own arguments: a file id that is not one, a user id over 65,535 UTF-8 bytes,
 *   registered keys that are not registered keys, a head that is not bytes.
 */
export async function unwrapFileKey(recipient, { wrap, fileId, head, userId, senderSigningKeys, registeredKeys = encodeDevicePublicKeys(recipient) }) {
  const { keys, digest } = await registered(registeredKeys, 'registeredKeys');
  const idText = fileIdText(fileId), userText = text(userId, 'userId');
  const headDigest = await sha256(requireHead(head));
  const bytes = typeof wrap === 'string' && wrap.length <= MAX_WRAP_LENGTH ? fromBase64Url(wrap) : null;
  if (bytes === null) return null;

  // kem || u16 length || enc || u16 length || ct || signature, every length the one of the kem this device calls for.
  const kem = keys.xwingPublicKey !== null ? KEM_XWING : KEM_X25519;
  const recipientKey = kem === KEM_XWING ? recipient.xwingDecapsulationKey ?? null : recipient.agreementKeyPair;
  const encLength = ENC_LENGTH[kem];
  const tailLength = 1 + 2 + encLength + 2 + SEALED_KEY_LENGTH;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (recipientKey === null || bytes.length !== tailLength + SIGNATURE_LENGTH || bytes[0] !== kem
      || view.getUint16(1) !== encLength || view.getUint16(3 + encLength) !== SEALED_KEY_LENGTH) return null;
  const tail = bytes.subarray(0, tailLength);
  const signature = bytes.subarray(tailLength);
  const signed = concat(SIGNATURE_LABEL, idText, userText, digest, headDigest, tail);
  let signer = null;
  for (const candidate of senderSigningKeys ?? []) {
    if (await verify(candidate, signature, signed)) { signer = asBytes(candidate).slice(); break; }
  }
  if (signer === null) return null;

  const info = concat(INFO_LABEL, idText, userText, digest);
  const enc = tail.subarray(3, 3 + encLength);
  const ct = tail.subarray(3 + encLength + 2);
  const opened = await open(recipientKey, enc, info, EMPTY, ct, kem === KEM_XWING ? { suite: Suites.XWingSha256Aes128Gcm } : {});
  if (!opened.ok) return null;
  if (opened.pt.length !== FILE_KEY_LENGTH) { opened.pt.fill(0); return null; }
  return { fileKey: opened.pt, signer };
}

/**
 * How a wrap names its device in `PUT /api/files/{id}/keys`: base64 (standard, padded) of SHA-256 of the device's
 * registered public keys.
 * @param {Uint8Array | string} publicKeys The registered bytes, or their base64.
 * @returns {Promise<string>}
 */
export async function deviceDigest(publicKeys) {
  const bytes = typeof publicKeys === 'string' ? fromBase64(publicKeys) : asBytes(publicKeys);
  if (bytes === null) throw new TypeError('the device public keys are not bytes');
  return toBase64(await sha256(bytes));
}

/** The registered keys, read, and the SHA-256 of their bytes. */
async function registered(value, name) {
  const bytes = typeof value === 'string' ? fromBase64(value) : asBytes(value);
  const keys = bytes === null ? null : decodeDevicePublicKeys(bytes);
  if (keys === null) throw new TypeError(`${name} are not registered device public keys (version 1 or 2)`);
  return { keys, digest: await sha256(bytes) };
}

function requireHead(head) {
  const bytes = asBytes(head);
  if (bytes === null) throw new TypeError('the head (header || manifest record) is not bytes');
  return bytes;
}

function fileIdText(fileId) {
  if (typeof fileId !== 'string' || !FILE_ID.test(fileId)) throw new TypeError('a file id is 1 to 64 characters of A-Z a-z 0-9 - _');
  return text(fileId, 'fileId');
}

/** u16 length || UTF-8 (an unpaired surrogate becomes U+FFFD, as .NET's Encoding.UTF8 makes it). */
function text(value, name) {
  if (typeof value !== 'string') throw new TypeError(`${name} is not a string`);
  const bytes = encoder.encode(value);
  if (bytes.length > 0xFFFF) throw new TypeError(`${name} is over 65,535 UTF-8 bytes`);
  return concat(u16(bytes.length), bytes);
}

function u16(n) { return Uint8Array.of(n >>> 8, n & 0xFF); }

async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)); }

function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text) {
  try { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); } catch { return null; }
}

/** RFC 4648 §5, unpadded. */
function toBase64Url(bytes) {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of canonical unpadded base64url text, or null: padding, whitespace, other characters, a length no encoding
 *  has, or spare bits that are not zero (the bytes would not encode back to the same text). */
function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = fromBase64(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - text.length % 4) % 4));
  return bytes !== null && toBase64Url(bytes) === text ? bytes : null;
}
