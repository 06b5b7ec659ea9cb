// HPKE (RFC 9180) building blocks for the web client: the cipher suites, errors, byte helpers, and the KDF HKDF-SHA256
// (RFC 5869) with the labeled functions of RFC 9180 §4. Imported by hpke-dhkem.js, xwing.js and hpke.js; callers use
// hpke.js.
//
// HKDF-Extract and HKDF-Expand are built on WebCrypto's HMAC: WebCrypto's HKDF does Extract-then-Expand in one call and
// cannot output a PRK, and RFC 9180 needs each half alone (LabeledExtract feeds several LabeledExpands, §4.1 and §5.1).
//
// Suites: Conclave uses DHKEM(X25519, HKDF-SHA256) (0x0020) or X-Wing (0x647a, hybrid post-quantum), each with
// HKDF-SHA256 (0x0001) and AES-128-GCM (0x0001). The one-stage KDF SHAKE256 (0x0011, LabeledDerive of
// draft-ietf-hpke-hpke §4) and ChaCha20-Poly1305 (0x0003) are implemented too, as in the .NET library, so that the
// published X-Wing vectors (draft-ietf-hpke-pq-04) can be checked in full; they load their vendored code
// (../vendor/noble) on first use only.

import { asBytes } from './header.js';

export { asBytes };

/**
 * The algorithm identifiers and sizes of the default suite (RFC 9180 §7, Tables 2, 3 and 5); the same as
 * Suites.X25519Sha256Aes128Gcm. Other suites: see {@link cipherSuite}.
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
  /**
   * §5 EncapError: the recipient's public key cannot be encapsulated to (X-Wing §5.6: its ML-KEM-768 part fails the
   * modulus check of FIPS 203 §7.2).
   */
  EncapError: 'encap-error',
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

/**
 * HPKE KEM identifiers (RFC 9180 §7.1; X-Wing: draft-connolly-cfrg-xwing-kem §7, draft-ietf-hpke-pq).
 * @readonly
 * @enum {number}
 */
export const KemId = Object.freeze({
  /** DHKEM(X25519, HKDF-SHA256): Nsecret = Nenc = Npk = Nsk = 32. Classical only. */
  DhKemX25519HkdfSha256: 0x0020,
  /** X-Wing, X25519 + ML-KEM-768: Nsecret = 32, Nenc = 1120, Npk = 1216, Nsk = 32 (the seed). Base mode only. */
  XWing: 0x647a,
});

/**
 * HPKE KDF identifiers (RFC 9180 §7.2; SHAKE256: draft-ietf-hpke-hpke, a draft, for the X-Wing vectors).
 * @readonly
 * @enum {number}
 */
export const KdfId = Object.freeze({
  /** HKDF-SHA256, two-stage (Extract, Expand): Nh = 32. Conclave's KDF. */
  HkdfSha256: 0x0001,
  /** SHAKE256, one-stage (LabeledDerive): Nh = 64. Still a draft: only to check the published X-Wing vectors. */
  Shake256: 0x0011,
});

/**
 * HPKE AEAD identifiers (RFC 9180 §7.3).
 * @readonly
 * @enum {number}
 */
export const AeadId = Object.freeze({
  /** AES-128-GCM on WebCrypto: Nk = 16, Nn = 12, Nt = 16. Conclave's AEAD. */
  Aes128Gcm: 0x0001,
  /** ChaCha20-Poly1305 (RFC 8439), noble's: Nk = 32, Nn = 12, Nt = 16. Used by the X-Wing vectors. */
  ChaCha20Poly1305: 0x0003,
});

const KEM_SIZES = new Map([
  [KemId.DhKemX25519HkdfSha256, { nsecret: 32, nenc: 32, npk: 32, nsk: 32 }],
  [KemId.XWing, { nsecret: 32, nenc: 1120, npk: 1216, nsk: 32 }],
]);
const KDF_SIZES = new Map([[KdfId.HkdfSha256, { nh: 32, oneStage: false }], [KdfId.Shake256, { nh: 64, oneStage: true }]]);
const AEAD_SIZES = new Map([[AeadId.Aes128Gcm, { nk: 16, nn: 12, nt: 16 }], [AeadId.ChaCha20Poly1305, { nk: 32, nn: 12, nt: 16 }]]);
const SUITES = new Map();

/**
 * A cipher suite (RFC 9180 §5.1): the identifiers, the sizes of Tables 2, 3 and 5, and
 * - `oneStageKdf`: true for SHAKE256 (LabeledDerive), false for HKDF-SHA256 (LabeledExtract / LabeledExpand);
 * - `suiteId` / `kemSuiteId`: "HPKE" || kem_id || kdf_id || aead_id and "KEM" || kem_id (fresh copies).
 * One frozen object per triple, so suites can be compared with ===.
 * @typedef {object} CipherSuite
 * @property {number} kemId
 * @property {number} kdfId
 * @property {number} aeadId
 * @property {number} nsecret
 * @property {number} nenc
 * @property {number} npk
 * @property {number} nsk
 * @property {number} nh
 * @property {number} nk
 * @property {number} nn
 * @property {number} nt
 * @property {boolean} oneStageKdf
 * @property {Uint8Array} suiteId
 * @property {Uint8Array} kemSuiteId
 */

/**
 * The {@link CipherSuite} of (kem_id, kdf_id, aead_id). Throws an InvalidArgument HpkeError for an identifier not
 * implemented here.
 * @param {number} kemId A {@link KemId}.
 * @param {number} kdfId A {@link KdfId}.
 * @param {number} aeadId An {@link AeadId}.
 * @returns {CipherSuite}
 */
export function cipherSuite(kemId, kdfId, aeadId) {
  const key = `${kemId}/${kdfId}/${aeadId}`;
  let suite = SUITES.get(key);
  if (suite !== undefined) return suite;
  const kem = KEM_SIZES.get(kemId), kdf = KDF_SIZES.get(kdfId), aead = AEAD_SIZES.get(aeadId);
  if (kem === undefined || kdf === undefined || aead === undefined) {
    throw new HpkeError(HpkeErrorCode.InvalidArgument, `the HPKE suite (kem ${kemId}, kdf ${kdfId}, aead ${aeadId}) is not implemented`);
  }
  const id = concat(encoder.encode('HPKE'), i2osp(kemId, 2), i2osp(kdfId, 2), i2osp(aeadId, 2));
  const kemSuiteId = concat(encoder.encode('KEM'), i2osp(kemId, 2));
  suite = Object.freeze(Object.create(Object.prototype, {
    kemId: { value: kemId, enumerable: true },
    kdfId: { value: kdfId, enumerable: true },
    aeadId: { value: aeadId, enumerable: true },
    ...Object.fromEntries(Object.entries({ ...kem, nh: kdf.nh, ...aead }).map(([k, v]) => [k, { value: v, enumerable: true }])),
    oneStageKdf: { value: kdf.oneStage, enumerable: true },
    suiteId: { get: () => id.slice(), enumerable: true },
    kemSuiteId: { get: () => kemSuiteId.slice(), enumerable: true },
  }));
  SUITES.set(key, suite);
  return suite;
}

/**
 * The suites Conclave uses, by name (the names of the .NET library's HpkeSuite).
 * @readonly
 */
export const Suites = Object.freeze({
  /** DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM: RFC 9180 App. A.1, and the default everywhere. */
  X25519Sha256Aes128Gcm: cipherSuite(KemId.DhKemX25519HkdfSha256, KdfId.HkdfSha256, AeadId.Aes128Gcm),
  /** X-Wing, HKDF-SHA256, AES-128-GCM: the post-quantum hybrid suite, for when both sides have an X-Wing key. */
  XWingSha256Aes128Gcm: cipherSuite(KemId.XWing, KdfId.HkdfSha256, AeadId.Aes128Gcm),
});

/**
 * The {@link CipherSuite} of a suite option: undefined for the default (DHKEM(X25519), HKDF-SHA256, AES-128-GCM), a
 * CipherSuite, or anything with `kemId`, `kdfId` and `aeadId` (such as {@link Suite}). Throws an InvalidArgument
 * HpkeError otherwise.
 * @param {CipherSuite | { kemId: number, kdfId: number, aeadId: number } | undefined} suite
 * @returns {CipherSuite}
 */
export function resolveSuite(suite) {
  if (suite === undefined) return Suites.X25519Sha256Aes128Gcm;
  if (suite === null || typeof suite !== 'object') throw new HpkeError(HpkeErrorCode.InvalidArgument, 'a suite is an object with kemId, kdfId and aeadId');
  return cipherSuite(suite.kemId, suite.kdfId, suite.aeadId);
}

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


/** @type {Promise<typeof import('../vendor/noble/hashes/sha3.js')> | null} */
let sha3Module = null;

/** noble's SHA-3 module (vendored), loaded on first use. */
export function loadSha3() {
  sha3Module ??= import('../vendor/noble/hashes/sha3.js').catch((e) => {
    sha3Module = null;
    throw e;
  });
  return sha3Module;
}

/**
 * lengthPrefixed(x) of draft-ietf-hpke-hpke: I2OSP(len(x), 2) || x. Throws an InvalidArgument HpkeError when x is
 * longer than 65535 bytes.
 * @param {Uint8Array} x
 * @param {string} what
 * @returns {Uint8Array}
 */
export function lengthPrefixed(x, what) {
  if (x.length > 0xFFFF) throw new HpkeError(HpkeErrorCode.InvalidArgument, `${what} is longer than 65535 bytes (lengthPrefixed, draft-ietf-hpke-hpke)`);
  return concat(i2osp(x.length, 2), x);
}

/**
 * LabeledDerive(ikm, label, context, L) of a one-stage KDF (draft-ietf-hpke-hpke §4), here SHAKE256:
 *   labeled_ikm = ikm || "HPKE-v1" || suite_id || lengthPrefixed(label) || I2OSP(L, 2) || context
 *   return SHAKE256(labeled_ikm, L bytes)
 * The version label is "HPKE-v1", as in the draft-ietf-hpke-pq-04 vectors and the .NET library. Throws a RangeError
 * when L is outside [0, 65535].
 * @param {Uint8Array} suiteId
 * @param {Uint8Array} ikm
 * @param {string | Uint8Array} label
 * @param {Uint8Array} context
 * @param {number} length L
 * @returns {Promise<Uint8Array>}
 */
export async function labeledDerive(suiteId, ikm, label, context, length) {
  if (!Number.isSafeInteger(length) || length < 0 || length > 0xFFFF) {
    throw new RangeError(`LabeledDerive length ${length} is outside [0, 65535] (draft-ietf-hpke-hpke §4)`);
  }
  const { shake256 } = await loadSha3();
  const labeledIkm = concat(ikm, HPKE_V1, suiteId, lengthPrefixed(labelBytes(label), 'the label'), i2osp(length, 2), context);
  try {
    return length === 0 ? new Uint8Array(0) : shake256(labeledIkm, { dkLen: length });
  } finally {
    labeledIkm.fill(0);
  }
}
