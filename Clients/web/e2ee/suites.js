// SFrame cipher suites (RFC 9605 §4.5, §8.1) and the key schedule (§4.4.2), on WebCrypto only.
// Every CryptoKey made here is non-extractable and limited to one direction: RFC 9605 §4.4.1, "Implementations MUST
// mark each base_key as usable for encryption or decryption, never both".

import { MAX_UINT64, toUint64 } from './header.js';

/**
 * The cipher suites of RFC 9605 §8.1 (Table 2), by their 2-byte identifier.
 * @readonly
 * @enum {number}
 */
export const CipherSuite = Object.freeze({
  AES_128_CTR_HMAC_SHA256_80: 0x0001,
  AES_128_CTR_HMAC_SHA256_64: 0x0002,
  AES_128_CTR_HMAC_SHA256_32: 0x0003,
  AES_128_GCM_SHA256_128: 0x0004,
  AES_256_GCM_SHA512_128: 0x0005,
});

/** Conclave's suite: AES-128-GCM with a full 128-bit tag (RFC 9605 §7.5 explains the risks of short tags). */
export const DEFAULT_CIPHER_SUITE = CipherSuite.AES_128_GCM_SHA256_128;

/**
 * The constants of a cipher suite (RFC 9605 §4.5, Table 1).
 * @typedef {object} CipherSuiteInfo
 * @property {number} id         The 2-byte identifier (§8.1).
 * @property {string} name       E.g. "AES_128_GCM_SHA256_128".
 * @property {'SHA-256' | 'SHA-512'} hash The hash of HKDF (and of HMAC for the CTR suites).
 * @property {number} nh         Hash output size in bytes.
 * @property {number} nka        AES key size inside a compound CTR+HMAC key (§4.5.1); 0 for GCM.
 * @property {number} nk         AEAD key size in bytes.
 * @property {number} nn         AEAD nonce size in bytes.
 * @property {number} nt         AEAD overhead (tag) in bytes.
 * @property {boolean} ctrHmac   True for the AES-CTR + HMAC construction of §4.5.1, false for AES-GCM.
 */

/** @type {ReadonlyMap<number, CipherSuiteInfo>} */
const SUITES = new Map([
  suite(0x0001, 'AES_128_CTR_HMAC_SHA256_80', 'SHA-256', 32, 16, 48, 12, 10, true),
  suite(0x0002, 'AES_128_CTR_HMAC_SHA256_64', 'SHA-256', 32, 16, 48, 12, 8, true),
  suite(0x0003, 'AES_128_CTR_HMAC_SHA256_32', 'SHA-256', 32, 16, 48, 12, 4, true),
  suite(0x0004, 'AES_128_GCM_SHA256_128', 'SHA-256', 32, 0, 16, 12, 16, false),
  suite(0x0005, 'AES_256_GCM_SHA512_128', 'SHA-512', 64, 0, 32, 12, 16, false),
]);

function suite(id, name, hash, nh, nka, nk, nn, nt, ctrHmac) {
  return [id, Object.freeze({ id, name, hash, nh, nka, nk, nn, nt, ctrHmac })];
}

/**
 * The constants of `id` (RFC 9605 §4.5), or null for an identifier this module does not implement.
 * @param {number} id
 * @returns {CipherSuiteInfo | null}
 */
export function cipherSuiteInfo(id) {
  return SUITES.get(id) ?? null;
}

/** The constants of `id`, or a RangeError naming the supported suites. */
export function requireSuite(id) {
  const info = SUITES.get(id);
  if (!info) throw new RangeError(`unsupported SFrame cipher suite ${id}; RFC 9605 §8.1 defines 1-5`);
  return info;
}

const encoder = new TextEncoder();
const KEY_LABEL = encoder.encode('SFrame 1.0 Secret key ');
const SALT_LABEL = encoder.encode('SFrame 1.0 Secret salt ');
const EMPTY = new Uint8Array(0);

/**
 * The HKDF-Expand info strings of RFC 9605 §4.4.2: the label, then the KID as an 8-byte big-endian integer (not the
 * header's compact form), then the cipher suite as a 2-byte big-endian integer.
 * @param {number} suiteId
 * @param {bigint | number} kid
 * @returns {{ keyLabel: Uint8Array, saltLabel: Uint8Array }}
 */
export function keyScheduleLabels(suiteId, kid) {
  requireSuite(suiteId);
  const k = toUint64(kid, 'KID');
  const tail = new Uint8Array(10);
  const view = new DataView(tail.buffer);
  view.setBigUint64(0, k);
  view.setUint16(8, suiteId);
  return { keyLabel: concat(KEY_LABEL, tail), saltLabel: concat(SALT_LABEL, tail) };
}

/**
 * RFC 9605 §4.4.2 derive_key_salt: sframe_secret = HKDF-Extract("", base_key), then sframe_key = HKDF-Expand(secret,
 * key label, Nk) and sframe_salt = HKDF-Expand(secret, salt label, Nn), with the suite's hash. WebCrypto's HKDF is
 * exactly Extract-then-Expand, so each output is one deriveBits with an empty salt.
 * @param {number} suiteId
 * @param {bigint | number} kid
 * @param {Uint8Array | CryptoKey} baseKey Raw bytes, or a CryptoKey imported for HKDF with the deriveBits usage.
 * @returns {Promise<{ key: Uint8Array, salt: Uint8Array }>} sframe_key and sframe_salt.
 */
export async function deriveKeySalt(suiteId, kid, baseKey) {
  const info = requireSuite(suiteId);
  const { keyLabel, saltLabel } = keyScheduleLabels(suiteId, kid);
  const ikm = await importBaseKey(baseKey);
  const expand = async (label, size) => new Uint8Array(await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: info.hash, salt: EMPTY, info: label }, ikm, size * 8));
  const [key, salt] = await Promise.all([expand(keyLabel, info.nk), expand(saltLabel, info.nn)]);
  return { key, salt };
}

async function importBaseKey(baseKey) {
  if (typeof CryptoKey !== 'undefined' && baseKey instanceof CryptoKey) {
    if (baseKey.algorithm.name !== 'HKDF') throw new TypeError('a base_key CryptoKey must be an HKDF key');
    return baseKey;
  }
  if (!(baseKey instanceof Uint8Array) || baseKey.length === 0) throw new TypeError('base_key must be a non-empty Uint8Array or an HKDF CryptoKey');
  return crypto.subtle.importKey('raw', baseKey, 'HKDF', false, ['deriveBits']);
}

/**
 * RFC 9605 §4.5.1 derive_subkeys: the AES key is the first Nka bytes of the compound key, the HMAC key the Nh after.
 * @param {number} suiteId A CTR+HMAC suite (1-3).
 * @param {Uint8Array} key  sframe_key, Nk = Nka + Nh bytes.
 * @returns {{ encKey: Uint8Array, authKey: Uint8Array }}
 */
export function deriveSubkeys(suiteId, key) {
  const info = requireSuite(suiteId);
  if (!info.ctrHmac) throw new RangeError(`${info.name} has no subkeys (RFC 9605 §4.5.1 is for the AES-CTR suites)`);
  if (!(key instanceof Uint8Array) || key.length !== info.nk) throw new RangeError(`${info.name} keys are ${info.nk} bytes`);
  return { encKey: key.subarray(0, info.nka), authKey: key.subarray(info.nka) };
}

/**
 * An AEAD key of one cipher suite, for one direction: `seal` (encrypt) or `open` (decrypt), never both
 * (RFC 9605 §4.4.1). Made by {@link importAeadKey}.
 */
export class AeadKey {
  #info; #direction; #aes; #hmac;

  /** @private Use importAeadKey. */
  constructor(info, direction, aes, hmac) {
    this.#info = info; this.#direction = direction; this.#aes = aes; this.#hmac = hmac;
  }

  /** @returns {CipherSuiteInfo} */
  get suite() { return this.#info; }

  /** @returns {'encrypt' | 'decrypt'} */
  get direction() { return this.#direction; }

  /**
   * AEAD.Encrypt(key, nonce, aad, pt): ciphertext followed by the Nt-byte tag (RFC 5116 convention, RFC 9605 §4.4).
   * Rejects (throws) only on misuse: a decryption key, or a nonce that is not Nn bytes.
   * @param {Uint8Array} nonce
   * @param {Uint8Array} aad
   * @param {Uint8Array} plaintext
   * @returns {Promise<Uint8Array>}
   */
  async seal(nonce, aad, plaintext) {
    if (this.#direction !== 'encrypt') throw new TypeError('this SFrame key is for decryption only (RFC 9605 §4.4.1)');
    if (nonce.length !== this.#info.nn) throw new RangeError(`nonce must be ${this.#info.nn} bytes`);
    if (!this.#info.ctrHmac) {
      return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, this.#aes, plaintext));
    }
    // RFC 9605 §4.5.1 AEAD.Encrypt: AES-CTR from nonce || 0x00000000, then the truncated HMAC over the ciphertext.
    const out = new Uint8Array(plaintext.length + this.#info.nt);
    out.set(new Uint8Array(await crypto.subtle.encrypt(ctrParams(nonce), this.#aes, plaintext)), 0);
    const ct = out.subarray(0, plaintext.length);
    out.set(await this.#tag(nonce, aad, ct), plaintext.length);
    return out;
  }

  /**
   * AEAD.Decrypt(key, nonce, aad, ct): the plaintext, or null when authentication fails or the ciphertext is shorter
   * than the tag. Never rejects on bad data; rejects only on misuse (an encryption key).
   * @param {Uint8Array} nonce
   * @param {Uint8Array} aad
   * @param {Uint8Array} ciphertext Ciphertext and tag.
   * @returns {Promise<Uint8Array | null>}
   */
  async open(nonce, aad, ciphertext) {
    if (this.#direction !== 'decrypt') throw new TypeError('this SFrame key is for encryption only (RFC 9605 §4.4.1)');
    const nt = this.#info.nt;
    if (nonce.length !== this.#info.nn || ciphertext.length < nt) return null;
    if (!this.#info.ctrHmac) {
      try {
        return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, this.#aes, ciphertext));
      } catch {
        return null;                                          // OperationError: the tag did not verify
      }
    }
    // RFC 9605 §4.5.1 AEAD.Decrypt: check the tag over the ciphertext (constant time) before decrypting anything.
    const inner = ciphertext.subarray(0, ciphertext.length - nt);
    const expected = await this.#tag(nonce, aad, inner);
    const tag = ciphertext.subarray(ciphertext.length - nt);
    let diff = 0;
    for (let i = 0; i < nt; i++) diff |= expected[i] ^ tag[i];
    if (diff !== 0) return null;
    return new Uint8Array(await crypto.subtle.decrypt(ctrParams(nonce), this.#aes, inner));
  }

  /** RFC 9605 §4.5.1 compute_tag: HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad || ct), first Nt bytes. */
  async #tag(nonce, aad, ct) {
    const data = new Uint8Array(24 + nonce.length + aad.length + ct.length);
    const view = new DataView(data.buffer);
    view.setBigUint64(0, BigInt(aad.length));
    view.setBigUint64(8, BigInt(ct.length));
    view.setBigUint64(16, BigInt(this.#info.nt));
    data.set(nonce, 24);
    data.set(aad, 24 + nonce.length);
    data.set(ct, 24 + nonce.length + aad.length);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', this.#hmac, data));
    return mac.subarray(0, this.#info.nt);
  }
}

/** The counter block of §4.5.1: the 12-byte nonce then four zero bytes, the low 32 bits counting blocks. */
function ctrParams(nonce) {
  const counter = new Uint8Array(16);
  counter.set(nonce, 0);
  return { name: 'AES-CTR', counter, length: 32 };
}

/**
 * Imports sframe_key (Nk bytes) as a non-extractable AEAD key for one direction. For the CTR suites the key is split
 * by {@link deriveSubkeys} into an AES-CTR key and an HMAC key (RFC 9605 §4.5.1).
 * @param {number} suiteId
 * @param {Uint8Array} key
 * @param {'encrypt' | 'decrypt'} direction
 * @returns {Promise<AeadKey>}
 */
export async function importAeadKey(suiteId, key, direction) {
  const info = requireSuite(suiteId);
  if (direction !== 'encrypt' && direction !== 'decrypt') throw new TypeError("direction must be 'encrypt' or 'decrypt'");
  if (!(key instanceof Uint8Array) || key.length !== info.nk) throw new RangeError(`${info.name} keys are ${info.nk} bytes`);
  if (!info.ctrHmac) {
    const aes = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, [direction]);
    return new AeadKey(info, direction, aes, null);
  }
  const { encKey, authKey } = deriveSubkeys(suiteId, key);
  // AES-CTR is its own inverse, but the usage still pins the direction. The tag is recomputed and compared on open,
  // so HMAC needs only `sign` either way.
  const [aes, hmac] = await Promise.all([
    crypto.subtle.importKey('raw', encKey, 'AES-CTR', false, [direction]),
    crypto.subtle.importKey('raw', authKey, { name: 'HMAC', hash: info.hash }, false, ['sign']),
  ]);
  return new AeadKey(info, direction, aes, hmac);
}

/**
 * RFC 9605 §4.4.3: nonce = sframe_salt XOR CTR, the CTR encoded big-endian on Nn bytes. Writes into `dst` (Nn bytes).
 * @param {Uint8Array} salt
 * @param {bigint} ctr In [0, 2^64 - 1].
 * @param {Uint8Array} [dst]
 * @returns {Uint8Array}
 */
export function makeNonce(salt, ctr, dst = new Uint8Array(salt.length)) {
  if (ctr < 0n || ctr > MAX_UINT64) throw new RangeError('CTR is outside [0, 2^64 - 1]');
  dst.set(salt);
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  const end = dst.length - 8;                                 // the CTR is 8 bytes; the Nn - 8 bytes above it are zero
  view.setUint32(end, view.getUint32(end) ^ Number(ctr >> 32n));
  view.setUint32(end + 4, view.getUint32(end + 4) ^ Number(ctr & 0xFFFF_FFFFn));
  return dst;
}

/** a || b as a new array. */
export function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
