// X-Wing, the hybrid post-quantum KEM of X25519 and ML-KEM-768 (draft-connolly-cfrg-xwing-kem-10 §5; the same in
// -05 to -10), exactly as the .NET library's XWingKem (Clients/Conclave.E2ee/Hpke/XWingKem.cs) and the vectors of
// ../shared/vectors/xwing-vectors.json define it. A shared secret is safe while either X25519 or ML-KEM-768 is.
//
//   const { seed, publicKey, decapsulationKey } = await generate();            // seed: 32 bytes, keep it secret
//   const { sharedSecret, ciphertext } = await encapsulate(publicKey);          // on the sender (1120-byte ciphertext)
//   const ss = await decapsulate(ciphertext, decapsulationKey);                 // or decapsulate(ciphertext, seed)
//
//   expandDecapsulationKey(sk):
//     expanded = SHAKE256(sk, 96)
//     (pk_M, sk_M) = ML-KEM-768.KeyGen_internal(expanded[0:32], expanded[32:64])
//     sk_X = expanded[64:96]; pk_X = X25519(sk_X, X25519_BASE)
//     pk = pk_M || pk_X                                                        1184 + 32 bytes
//   Combiner(ss_M, ss_X, ct_X, pk_X) = SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel), XWingLabel = 5c2e2f2f5e5c
//   EncapsulateDerand(pk, eseed):
//     ek_X = eseed[32:64]; ct_X = X25519(ek_X, X25519_BASE); ss_X = X25519(ek_X, pk_X)
//     (ss_M, ct_M) = ML-KEM-768.EncapsDerand(pk_M, eseed[0:32])
//     return Combiner(ss_M, ss_X, ct_X, pk_X), ct_M || ct_X                    1088 + 32 bytes
//   Decapsulate(ct, sk): ss_M = ML-KEM-768.Decapsulate(ct[0:1088], sk_M); ss_X = X25519(sk_X, ct[1088:1120]);
//     return Combiner(ss_M, ss_X, ct_X, pk_X)
//
// ML-KEM-768, SHAKE256 and SHA3-256 are the audited noble libraries vendored in ../vendor/noble (WebCrypto has none of
// them); X25519 is WebCrypto's, and the X25519 private keys are non-extractable CryptoKeys. X-Wing has no all-zero check
// on X25519 (§6: ML-KEM and the combiner's ct_X, pk_X carry its security): where WebCrypto refuses an all-zero output
// (a low-order point) with an OperationError, ss_X is that all-zero output, as RFC 7748 and the .NET library compute it.
// ML-KEM's secret key is held in JavaScript memory (noble); wipe() clears it.

import { ml_kem768 } from '../vendor/noble/post-quantum/ml-kem.js';
import { sha3_256, shake256 } from '../vendor/noble/hashes/sha3.js';
import { HpkeError, HpkeErrorCode, asBytes, concat } from './hpke-core.js';

/** Nsk: a decapsulation key is a 32-byte seed (§5.1). */
export const SEED_LENGTH = 32;
/** Npk = 1184 (ML-KEM-768) + 32 (X25519). */
export const PUBLIC_KEY_LENGTH = 1216;
/** Nenc = 1088 (ML-KEM-768) + 32 (X25519). */
export const CIPHERTEXT_LENGTH = 1120;
/** Nsecret. */
export const SHARED_SECRET_LENGTH = 32;
/** The eseed of EncapsulateDerand: m for ML-KEM (32), then ek_X (32) (§5.4.1). */
export const ESEED_LENGTH = 64;
/** XWingLabel (§5.3): the ASCII art "\./" "/^\". */
const LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);

const ML_KEM_PUBLIC_KEY_LENGTH = 1184;
const ML_KEM_CIPHERTEXT_LENGTH = 1088;
const X25519_LENGTH = 32;
const X25519 = Object.freeze({ name: 'X25519' });
/** The PKCS#8 PrivateKeyInfo of an X25519 key (RFC 8410 §7) up to its 32 key bytes. */
const PKCS8_X25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
/** The u-coordinate 9 of the Curve25519 base point (RFC 7748 §4.1), little-endian. */
const BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));
/** @type {Promise<CryptoKey> | null} */
let basePointKey = null;

/** A copy of `value` when it is `length` bytes, else an HpkeError with `code`. */
function bytesOf(value, length, what, code) {
  const bytes = asBytes(value);
  if (bytes === null || bytes.length !== length) {
    throw new HpkeError(code, `${what} must be ${length} bytes, not ${bytes === null ? 'something else' : bytes.length}`);
  }
  try {
    return bytes.slice();
  } catch {
    throw new HpkeError(code, `${what} is a view of a detached or resized buffer`);
  }
}

/** 32 private key bytes as a non-extractable X25519 CryptoKey (through the PKCS#8 wrapping, which is wiped). */
async function importX25519PrivateKey(sk) {
  const pkcs8 = concat(PKCS8_X25519_PREFIX, sk);
  try {
    return await crypto.subtle.importKey('pkcs8', pkcs8, X25519, false, ['deriveBits']);
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * X25519(sk, u) (RFC 7748 §5) on WebCrypto, with no all-zero check: WebCrypto refuses an all-zero output with an
 * OperationError, and that output (32 zero bytes) is what X-Wing takes (§6).
 * @param {CryptoKey} privateKey
 * @param {Uint8Array | null} u A 32-byte u-coordinate; null for the base point 9.
 * @returns {Promise<Uint8Array>}
 */
async function x25519(privateKey, u) {
  let publicKey;
  if (u === null) {
    basePointKey ??= crypto.subtle.importKey('raw', BASE_POINT, X25519, true, []);
    publicKey = await basePointKey;
  } else {
    publicKey = await crypto.subtle.importKey('raw', u, X25519, true, []);
  }
  try {
    return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: publicKey }, privateKey, 256));
  } catch (e) {
    if (e?.name === 'OperationError') return new Uint8Array(X25519_LENGTH);
    throw e;
  }
}

/** Combiner (§5.3): SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel). */
function combiner(ssM, ssX, ctX, pkX) {
  const input = concat(ssM, ssX, ctX, pkX, LABEL);
  try {
    return sha3_256(input);
  } finally {
    input.fill(0);
  }
}

const CONSTRUCT = Symbol('XWingDecapsulationKey');

/**
 * An expanded X-Wing decapsulation key (§5.5.1): ML-KEM-768's secret key, the X25519 private key (a non-extractable
 * CryptoKey) and pk, kept so each decapsulation skips SHAKE256 and ML-KEM key generation. It stays in this realm: its
 * fields are private, so a structured clone (IndexedDB, postMessage) is an empty object that no function here accepts
 * (§5.5.1: an expanded key MUST NOT be transmitted). The 32-byte seed is the key's serialized form: store or post the
 * seed and expand it where it is used. Made by {@link expandDecapsulationKey} or {@link generate}.
 */
export class XWingDecapsulationKey {
  #mlKem; #x25519; #publicKey;

  /** @private Use expandDecapsulationKey or generate. */
  constructor(token, mlKemSecretKey, x25519PrivateKey, publicKey) {
    if (token !== CONSTRUCT) throw new TypeError('use expandDecapsulationKey or generate');
    this.#mlKem = mlKemSecretKey; this.#x25519 = x25519PrivateKey; this.#publicKey = publicKey;
  }

  /** pk = pk_M || pk_X, 1216 bytes (a copy). */
  get publicKey() { return this.#publicKey.slice(); }

  /** Whether {@link wipe} was called. */
  get wiped() { return this.#mlKem === null; }

  /**
   * Decapsulate(ct, sk) (§5.5) with this expanded key (§5.5.1). See {@link decapsulate}.
   * @param {Uint8Array} ciphertext 1120 bytes.
   * @returns {Promise<Uint8Array>} The 32-byte shared secret.
   */
  async decapsulate(ciphertext) {
    const ct = bytesOf(ciphertext, CIPHERTEXT_LENGTH, 'an X-Wing ciphertext', HpkeErrorCode.DeserializeError);
    if (this.#mlKem === null) throw new HpkeError(HpkeErrorCode.InvalidArgument, 'this X-Wing decapsulation key was wiped');
    const ctX = ct.subarray(ML_KEM_CIPHERTEXT_LENGTH);
    const ssM = ml_kem768.decapsulate(ct.subarray(0, ML_KEM_CIPHERTEXT_LENGTH), this.#mlKem);
    let ssX;
    try {
      ssX = await x25519(this.#x25519, ctX);
      return combiner(ssM, ssX, ctX, this.#publicKey.subarray(ML_KEM_PUBLIC_KEY_LENGTH));
    } finally {
      ssM.fill(0);
      ssX?.fill(0);
    }
  }

  /** Zeroes ML-KEM's secret key (the X25519 CryptoKey is left to the garbage collector); later decapsulations throw. */
  wipe() {
    this.#mlKem?.fill(0);
    this.#mlKem = null;
    this.#x25519 = null;
  }
}

/**
 * expandDecapsulationKey(sk) (§5.2): the ML-KEM-768 and X25519 keys of a 32-byte seed, and pk.
 * @param {Uint8Array} seed sk, 32 bytes (not modified).
 * @returns {Promise<XWingDecapsulationKey>}
 */
export async function expandDecapsulationKey(seed) {
  const sk = bytesOf(seed, SEED_LENGTH, 'an X-Wing seed', HpkeErrorCode.InvalidArgument);
  const expanded = shake256(sk, { dkLen: 96 });
  sk.fill(0);
  try {
    const { publicKey: pkM, secretKey: skM } = ml_kem768.keygen(expanded.subarray(0, 64));     // d || z
    const skX = await importX25519PrivateKey(expanded.subarray(64, 96));
    const pkX = await x25519(skX, null);
    return new XWingDecapsulationKey(CONSTRUCT, skM, skX, concat(pkM, pkX));
  } finally {
    expanded.fill(0);
  }
}

/**
 * GenerateKeyPair (§5.1) from `seed`, 32 random bytes unless given (a given seed is for tests and for keys kept as
 * their seed): the seed (a copy: the serialized private key, keep it secret), pk and the expanded key.
 * @param {Uint8Array} [seed]
 * @returns {Promise<{ seed: Uint8Array, publicKey: Uint8Array, decapsulationKey: XWingDecapsulationKey }>}
 */
export async function generate(seed = crypto.getRandomValues(new Uint8Array(SEED_LENGTH))) {
  const copy = bytesOf(seed, SEED_LENGTH, 'an X-Wing seed', HpkeErrorCode.InvalidArgument);
  const decapsulationKey = await expandDecapsulationKey(copy);
  return { seed: copy, publicKey: decapsulationKey.publicKey, decapsulationKey };
}

/**
 * Encapsulate(pk) (§5.4): EncapsulateDerand(pk, eseed) with 64 random bytes of eseed; with `eseed` given, exactly
 * EncapsulateDerand (§5.4.1), for test vectors only (a repeated eseed repeats the shared secret).
 * Throws an HpkeError: InvalidArgument when pk is not 1216 bytes or eseed not 64; EncapError when pk_M fails ML-KEM's
 * modulus check (FIPS 203 §7.2: a coefficient ≥ q).
 * @param {Uint8Array} publicKey pk, 1216 bytes.
 * @param {{ eseed?: Uint8Array }} [options]
 * @returns {Promise<{ sharedSecret: Uint8Array, ciphertext: Uint8Array }>}
 */
export async function encapsulate(publicKey, { eseed } = {}) {
  const pk = bytesOf(publicKey, PUBLIC_KEY_LENGTH, 'an X-Wing public key', HpkeErrorCode.InvalidArgument);
  const e = eseed === undefined ? crypto.getRandomValues(new Uint8Array(ESEED_LENGTH))
    : bytesOf(eseed, ESEED_LENGTH, 'eseed', HpkeErrorCode.InvalidArgument);
  const pkM = pk.subarray(0, ML_KEM_PUBLIC_KEY_LENGTH), pkX = pk.subarray(ML_KEM_PUBLIC_KEY_LENGTH);
  let ssM, ctM, ssX;
  try {
    try {
      ({ sharedSecret: ssM, cipherText: ctM } = ml_kem768.encapsulate(pkM, e.subarray(0, 32)));
    } catch (err) {
      throw new HpkeError(HpkeErrorCode.EncapError, `the ML-KEM-768 public key was refused (FIPS 203 §7.2): ${err?.message}`);
    }
    const ekX = await importX25519PrivateKey(e.subarray(32, 64));
    const ctX = await x25519(ekX, null);
    ssX = await x25519(ekX, pkX);
    return { sharedSecret: combiner(ssM, ssX, ctX, pkX), ciphertext: concat(ctM, ctX) };
  } finally {
    e.fill(0);
    ssM?.fill(0);
    ssX?.fill(0);
  }
}

/**
 * Decapsulate(ct, sk) (§5.5). ML-KEM rejects implicitly: a forged or tampered ciphertext gives an unrelated shared
 * secret, not an error (so an HPKE open then fails to authenticate).
 * Throws an HpkeError: DeserializeError when ct is not 1120 bytes, InvalidArgument for a key that is neither a 32-byte
 * seed nor an {@link XWingDecapsulationKey} (nor an object with one as `decapsulationKey`, as {@link generate} returns).
 * @param {Uint8Array} ciphertext ct, 1120 bytes.
 * @param {XWingDecapsulationKey | Uint8Array | { decapsulationKey: XWingDecapsulationKey }} key
 * @returns {Promise<Uint8Array>} The 32-byte shared secret.
 */
export async function decapsulate(ciphertext, key) {
  const ct = bytesOf(ciphertext, CIPHERTEXT_LENGTH, 'an X-Wing ciphertext', HpkeErrorCode.DeserializeError);
  const expanded = await resolveDecapsulationKey(key);
  try {
    return await expanded.key.decapsulate(ct);
  } finally {
    if (expanded.owned) expanded.key.wipe();
  }
}

/**
 * The expanded key of an X-Wing recipient key: an {@link XWingDecapsulationKey} as is, one held as
 * `decapsulationKey`, or a 32-byte seed expanded (then `owned`: the caller wipes it after use).
 * @param {XWingDecapsulationKey | Uint8Array | { decapsulationKey: XWingDecapsulationKey }} key
 * @returns {Promise<{ key: XWingDecapsulationKey, owned: boolean }>}
 */
export async function resolveDecapsulationKey(key) {
  if (key instanceof XWingDecapsulationKey) return { key, owned: false };
  if (key !== null && typeof key === 'object' && key.decapsulationKey instanceof XWingDecapsulationKey) {
    return { key: key.decapsulationKey, owned: false };
  }
  const seed = asBytes(key);
  if (seed === null || seed.length !== SEED_LENGTH) {
    throw new HpkeError(HpkeErrorCode.InvalidArgument, 'an X-Wing decapsulation key is a 32-byte seed or an XWingDecapsulationKey');
  }
  return { key: await expandDecapsulationKey(seed), owned: true };
}
