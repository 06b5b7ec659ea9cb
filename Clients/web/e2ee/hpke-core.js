// HPKE (RFC 9180) building blocks for the web client: the one cipher suite Conclave uses, errors, byte helpers, and the
// KDF HKDF-SHA256 (RFC 5869) with the labeled functions of RFC 9180 §4. Imported by hpke-dhkem.js and hpke.js; callers
// use hpke.js.
//
// HKDF-Extract and HKDF-Expand are built on WebCrypto's HMAC: WebCrypto's HKDF does Extract-then-Expand in one call and
// cannot output a PRK, and RFC 9180 needs each half alone (LabeledExtract feeds several LabeledExpands, §4.1 and §5.1).

import { asBytes } from './header.js';

export { asBytes };

/**
 * The algorithm identifiers of the suite implemented here (RFC 9180 §7, Tables 2, 3 and 5).
 * @readonly
 */
export const Suite = Object.freeze({
  /** DHKEM(X25519, HKDF-SHA256) (§7.1, Table 2). */
  kemId: 0x0020,
  /** HKDF-SHA256 (§7.2, Table 3). */
  kdfId: 0x0001,
  /** AES-128-GCM (§7.3, Table 5). */
  aeadId: 0x0001,
  /** KEM shared secret size (Table 2). */
  nsecret: 32,
  /** Size of an encapsulated key, enc (Table 2). */
  nenc: 32,
  /** Size of a serialized public key (Table 2). */
  npk: 32,
  /** Size of a serialized private key (Table 2). */
  nsk: 32,
  /** KDF output size (Table 3). */
  nh: 32,
  /** AEAD key size (Table 5). */
  nk: 16,
  /** AEAD nonce size (Table 5). */
  nn: 12,
  /** AEAD tag size (Table 5). */
  nt: 16,
});

/**
 * The HPKE modes (RFC 9180 §5, Table 1). Only Base is implemented.
 * @readonly
 * @enum {number}
 */
export const Mode = Object.freeze({ Base: 0x00, Psk: 0x01, Auth: 0x02, AuthPsk: 0x03 });

/**
 * Why an HPKE operation failed: the errors of RFC 9180 §5 and §7.1 ("DeserializeError", "ValidationError", "OpenError",
 * "MessageLimitReachedError"), plus misuse of the API.
 * @readonly
 * @enum {string}
 */
export const HpkeErrorCode = Object.freeze({
  /** An argument of the wrong type or size from the caller's own side: not bytes, a wrong key, an unusable length. */
  InvalidArgument: 'invalid-argument',
  /** §7.1.1 DeserializePublicKey: an enc or public key that is not Npk = 32 bytes. */
  DeserializeError: 'deserialize-error',
  /** §7.1.4: the X25519 output is all zero (the peer's public key is a low-order point). */
  ValidationError: 'validation-error',
  /** §5.2: the AEAD tag did not verify (tampered enc, ct, aad or info; wrong key; wrong sequence number). */
  OpenError: 'open-error',
  /** §5.2: the context's sequence number reached 2^96 - 1; no more messages under this context. */
  MessageLimitReached: 'message-limit-reached',
});

/** A failed HPKE operation; `code` is an {@link HpkeErrorCode}. */
export class HpkeError extends Error {
  /**
   * @param {HpkeErrorCode} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'HpkeError';
    /** @type {HpkeErrorCode} */
    this.code = code;
  }
}

const encoder = new TextEncoder();
export const EMPTY = new Uint8Array(0);

/** "HPKE-v1" (RFC 9180 §4). */
const HPKE_V1 = encoder.encode('HPKE-v1');

/**
 * The suite_id of the KEM (RFC 9180 §4.1): "KEM" || I2OSP(kem_id, 2). Used by DeriveKeyPair and ExtractAndExpand.
 * @type {Uint8Array}
 */
export const KEM_SUITE_ID = concat(encoder.encode('KEM'), i2osp(Suite.kemId, 2));

/**
 * The suite_id of HPKE (RFC 9180 §5.1): "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2). Used by the
 * key schedule and by Export.
 * @type {Uint8Array}
 */
export const HPKE_SUITE_ID = concat(encoder.encode('HPKE'), i2osp(Suite.kemId, 2), i2osp(Suite.kdfId, 2), i2osp(Suite.aeadId, 2));

/** HKDF-Extract with an empty salt uses Nh zero bytes (RFC 5869 §2.2); WebCrypto refuses an empty HMAC key. */
const ZERO_SALT = new Uint8Array(Suite.nh);

/**
 * I2OSP(n, w) (RFC 8017 §4.1, RFC 9180 §3): `n` as a `w`-byte big-endian string. Throws RangeError when it does not fit.
 * @param {bigint | number} n A non-negative integer (a safe Number or a BigInt).
 * @param {number} w
 * @returns {Uint8Array}
 */
export function i2osp(n, w) {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`I2OSP: ${n} is not a safe integer`);
  let v = BigInt(n);
  if (v < 0n || v >= 1n << BigInt(8 * w)) throw new RangeError(`I2OSP: ${n} does not fit in ${w} bytes`);
  const out = new Uint8Array(w);
  for (let i = w - 1; i >= 0; i--) {
    out[i] = Number(v & 0xFFn);
    v >>= 8n;
  }
  return out;
}

/**
 * The concatenation of byte strings (the || of RFC 9180 §3), as a new array.
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
export function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A copy of `value` when it is bytes (a Uint8Array, an ArrayBuffer or a view of one), else an {@link HpkeError} with
 * `code` (InvalidArgument by default). A copy, so the caller changing the buffer later changes nothing here.
 * @param {unknown} value
 * @param {string} what The name used in the error message.
 * @param {HpkeErrorCode} [code]
 * @returns {Uint8Array}
 */
export function requireBytes(value, what, code = HpkeErrorCode.InvalidArgument) {
  const bytes = asBytes(value);
  if (bytes === null) throw new HpkeError(code, `${what} must be a Uint8Array, an ArrayBuffer or a view of one`);
  try {
    return bytes.slice();
  } catch {
    throw new HpkeError(code, `${what} is a view of a detached or resized buffer`);
  }
}

/** The label of RFC 9180 §4 as bytes: a string is taken as ASCII (UTF-8). */
function labelBytes(label) {
  return typeof label === 'string' ? encoder.encode(label) : label;
}

/** An HMAC-SHA256 key for `key` (raw bytes, or already an HMAC CryptoKey with the sign usage). */
async function hmacKey(key) {
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) {
    if (key.algorithm.name !== 'HMAC' || !key.usages.includes('sign')) throw new HpkeError(HpkeErrorCode.InvalidArgument, 'a PRK CryptoKey must be an HMAC key with the sign usage');
    return key;
  }
  return crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/**
 * HMAC-SHA256 as an HMAC CryptoKey that cannot be exported: for a PRK kept for later expansions (the exporter_secret
 * of an encryption context, RFC 9180 §5.3).
 * @param {Uint8Array} key
 * @returns {Promise<CryptoKey>}
 */
export function importPrk(key) {
  return hmacKey(key);
}

/**
 * HKDF-Extract(salt, IKM) (RFC 5869 §2.2) with SHA-256: HMAC-Hash(salt, IKM), the salt being Nh zero bytes when empty.
 * @param {Uint8Array} salt
 * @param {Uint8Array} ikm
 * @returns {Promise<Uint8Array>} The PRK, Nh = 32 bytes.
 */
export async function extract(salt, ikm) {
  const key = await hmacKey(salt.length === 0 ? ZERO_SALT : salt);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, ikm));
}

/**
 * HKDF-Expand(PRK, info, L) (RFC 5869 §2.3) with SHA-256: T(i) = HMAC-Hash(PRK, T(i-1) || info || i), the first L bytes
 * of T(1) || T(2) || ... Throws RangeError when L > 255 * Nh.
 * @param {Uint8Array | CryptoKey} prk Nh bytes, or an HMAC CryptoKey holding them ({@link importPrk}).
 * @param {Uint8Array} info
 * @param {number} length L, in [0, 255 * Nh].
 * @returns {Promise<Uint8Array>}
 */
export async function expand(prk, info, length) {
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * Suite.nh) {
    throw new RangeError(`HKDF-Expand length ${length} is outside [0, ${255 * Suite.nh}] (RFC 5869 §2.3)`);
  }
  const key = await hmacKey(prk);
  const out = new Uint8Array(length);
  const block = new Uint8Array(Suite.nh + info.length + 1);   // T(i-1) || info || i; T(0) is empty
  block.set(info, Suite.nh);
  let t = EMPTY;
  for (let i = 1, at = 0; at < length; i++) {
    if (i > 1) block.set(t, 0);
    block[block.length - 1] = i;
    t = new Uint8Array(await crypto.subtle.sign('HMAC', key, i === 1 ? block.subarray(Suite.nh) : block));
    out.set(t.subarray(0, Math.min(Suite.nh, length - at)), at);
    at += Suite.nh;
  }
  block.fill(0);
  t.fill(0);
  return out;
}

/**
 * RFC 9180 §4 LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm).
 * @param {Uint8Array} suiteId {@link KEM_SUITE_ID} or {@link HPKE_SUITE_ID}.
 * @param {Uint8Array} salt
 * @param {string | Uint8Array} label
 * @param {Uint8Array} ikm
 * @returns {Promise<Uint8Array>} Nh bytes.
 */
export async function labeledExtract(suiteId, salt, label, ikm) {
  const labeledIkm = concat(HPKE_V1, suiteId, labelBytes(label), ikm);
  try {
    return await extract(salt, labeledIkm);
  } finally {
    labeledIkm.fill(0);
  }
}

/**
 * RFC 9180 §4 LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L).
 * @param {Uint8Array} suiteId {@link KEM_SUITE_ID} or {@link HPKE_SUITE_ID}.
 * @param {Uint8Array | CryptoKey} prk
 * @param {string | Uint8Array} label
 * @param {Uint8Array} info
 * @param {number} length L, in [0, 255 * Nh] (and so below 2^16).
 * @returns {Promise<Uint8Array>}
 */
export async function labeledExpand(suiteId, prk, label, info, length) {
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * Suite.nh) {
    throw new RangeError(`LabeledExpand length ${length} is outside [0, ${255 * Suite.nh}] (RFC 9180 §4, §5.3)`);
  }
  return expand(prk, concat(i2osp(length, 2), HPKE_V1, suiteId, labelBytes(label), info), length);
}
