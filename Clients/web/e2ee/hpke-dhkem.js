// DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, kem_id 0x0020) on WebCrypto's X25519. Imported by hpke.js; callers use
// hpke.js, which re-exports what is public here.
//
// WebCrypto quirks handled here:
// - It cannot import a raw X25519 private key: the 32 bytes are wrapped in the fixed PKCS#8 header of RFC 8410.
// - It cannot compute a public key from a private key. The public key is X25519(sk, 9), the scalar multiplication of
//   the base point (RFC 7748 §6.1), which deriveBits computes with the base point as the "public" key. This works with
//   non-extractable private keys too, so a device's key never has to leave WebCrypto.
// - deriveBits rejects with an OperationError when the output is all zero (WebCrypto spec, X25519 "derive bits"): that
//   is the ValidationError of RFC 9180 §7.1.4, reported as such.

import {
  EMPTY, HpkeError, HpkeErrorCode, KEM_SUITE_ID, Suite, asBytes, concat, labeledExpand, labeledExtract, requireBytes,
} from './hpke-core.js';

const X25519 = Object.freeze({ name: 'X25519' });

/** The PKCS#8 PrivateKeyInfo of an X25519 key (RFC 8410 §7) up to its 32 key bytes. */
const PKCS8_X25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/** The u-coordinate 9 of the Curve25519 base point (RFC 7748 §4.1), little-endian. */
const BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));

/** @type {Promise<CryptoKey> | null} */
let basePointKey = null;

/**
 * An X25519 key pair as HPKE uses it: the two CryptoKeys (a CryptoKeyPair, so it can be stored in IndexedDB as is) and
 * pkXm = SerializePublicKey(pkX), which the KEM context needs (RFC 9180 §4.1).
 * @typedef {object} KemKeyPair
 * @property {CryptoKey} privateKey X25519, usage deriveBits; non-extractable unless asked otherwise.
 * @property {CryptoKey} publicKey  X25519, no usages (as WebCrypto makes them), always extractable.
 * @property {Uint8Array} publicKeyBytes The 32-byte serialized public key.
 */

/**
 * A recipient key for Decap and open: the private key, and the public key unless it should be computed.
 * - a {@link KemKeyPair} or any CryptoKeyPair-like `{ privateKey, publicKey }`, `publicKey` a CryptoKey or 32 bytes;
 * - `{ privateKey, publicKeyBytes }`;
 * - a private X25519 CryptoKey alone (extractable or not): its public key is computed as X25519(sk, 9);
 * - 32 bytes: a serialized private key (RFC 9180 §7.1.2).
 * @typedef {KemKeyPair | CryptoKeyPair | { privateKey: CryptoKey, publicKeyBytes: Uint8Array } | CryptoKey | Uint8Array} RecipientKey
 */

function isCryptoKey(value) {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

function requirePrivateKey(key) {
  if (!isCryptoKey(key) || key.type !== 'private' || key.algorithm.name !== 'X25519' || !key.usages.includes('deriveBits')) {
    throw new HpkeError(HpkeErrorCode.InvalidArgument, 'the private key must be an X25519 private CryptoKey with the deriveBits usage');
  }
  return key;
}

/** Imports 32 private key bytes through the PKCS#8 wrapping; the wrapped copy is wiped. */
async function importPrivateKey(sk, extractable) {
  const pkcs8 = concat(PKCS8_X25519_PREFIX, sk);
  try {
    return await crypto.subtle.importKey('pkcs8', pkcs8, X25519, extractable, ['deriveBits']);
  } finally {
    pkcs8.fill(0);
  }
}

/** The key pair of a private CryptoKey: its public key computed (X25519(sk, 9)) and imported. */
async function completeKeyPair(privateKey) {
  const publicKeyBytes = await publicKeyOf(privateKey);
  const publicKey = await crypto.subtle.importKey('raw', publicKeyBytes, X25519, true, []);
  return { privateKey, publicKey, publicKeyBytes };
}

/**
 * pk(sk) = X25519(sk, 9) (RFC 7748 §6.1), serialized: the public key of a private key, extractable or not.
 * @param {CryptoKey} privateKey
 * @returns {Promise<Uint8Array>} 32 bytes.
 */
export async function publicKeyOf(privateKey) {
  requirePrivateKey(privateKey);
  basePointKey ??= crypto.subtle.importKey('raw', BASE_POINT, X25519, true, []);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: await basePointKey }, privateKey, 256));
}

/**
 * GenerateKeyPair() (RFC 9180 §4): a random X25519 key pair from WebCrypto. The private key is non-extractable unless
 * `extractable` is set: the way a device keeps its HPKE key (IndexedDB stores CryptoKeys without exposing them).
 * @param {{ extractable?: boolean }} [options]
 * @returns {Promise<KemKeyPair>}
 */
export async function generateKeyPair({ extractable = false } = {}) {
  const pair = await crypto.subtle.generateKey(X25519, extractable, ['deriveBits']);
  const publicKeyBytes = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, publicKeyBytes };
}

/**
 * DeriveKeyPair(ikm) (RFC 9180 §7.1.3) for X25519: dkp_prk = LabeledExtract("", "dkp_prk", ikm) and
 * sk = LabeledExpand(dkp_prk, "sk", "", Nsk), with the KEM's suite_id; the public key is X25519(sk, 9).
 * The private key is imported non-extractable unless `extractable` is set; then its PKCS#8 or JWK export holds sk as
 * derived (not clamped: the form printed as skEm / skRm in the test vectors of RFC 9180 App. A).
 * @param {Uint8Array} ikm At least Nsk = 32 bytes (§7.1.3: "SHOULD have length at least Nsk"); shorter is refused.
 * @param {{ extractable?: boolean }} [options]
 * @returns {Promise<KemKeyPair>}
 */
export async function deriveKeyPair(ikm, { extractable = false } = {}) {
  const bytes = requireBytes(ikm, 'ikm');
  if (bytes.length < Suite.nsk) throw new HpkeError(HpkeErrorCode.InvalidArgument, `ikm must be at least ${Suite.nsk} bytes (RFC 9180 §7.1.3)`);
  const dkpPrk = await labeledExtract(KEM_SUITE_ID, EMPTY, 'dkp_prk', bytes);
  const sk = await labeledExpand(KEM_SUITE_ID, dkpPrk, 'sk', EMPTY, Suite.nsk);
  dkpPrk.fill(0);
  bytes.fill(0);
  try {
    return await completeKeyPair(await importPrivateKey(sk, extractable));
  } finally {
    sk.fill(0);
  }
}

/**
 * SerializePublicKey(pkX) (RFC 9180 §7.1.1): the 32-byte u-coordinate (RFC 7748).
 * @param {CryptoKey | Uint8Array} publicKey An X25519 public CryptoKey, or already its 32 bytes (copied).
 * @returns {Promise<Uint8Array>}
 */
export async function serializePublicKey(publicKey) {
  if (isCryptoKey(publicKey)) {
    if (publicKey.type !== 'public' || publicKey.algorithm.name !== 'X25519') throw new HpkeError(HpkeErrorCode.InvalidArgument, 'not an X25519 public key');
    return new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
  }
  const bytes = requireBytes(publicKey, 'the public key');
  if (bytes.length !== Suite.npk) throw new HpkeError(HpkeErrorCode.InvalidArgument, `an X25519 public key is ${Suite.npk} bytes, not ${bytes.length}`);
  return bytes;
}

/**
 * DeserializePublicKey(pkXm) (RFC 9180 §7.1.1): 32 bytes as an X25519 public CryptoKey. Any 32 bytes are a key to
 * X25519 (RFC 7748 §5 masks the top bit); low-order points are caught by {@link dh} (§7.1.4). Throws a DeserializeError
 * for anything that is not 32 bytes.
 * @param {Uint8Array} pkXm
 * @returns {Promise<CryptoKey>}
 */
export async function deserializePublicKey(pkXm) {
  const bytes = asBytes(pkXm);
  if (bytes === null || bytes.length !== Suite.npk) {
    throw new HpkeError(HpkeErrorCode.DeserializeError, `an X25519 public key is ${Suite.npk} bytes, not ${bytes === null ? 'something else' : bytes.length}`);
  }
  try {
    return await crypto.subtle.importKey('raw', bytes, X25519, true, []);
  } catch (e) {
    throw new HpkeError(HpkeErrorCode.DeserializeError, `the X25519 public key was refused: ${e?.name}`);
  }
}

/**
 * SerializePrivateKey(skX) (RFC 9180 §7.1.2): the 32 key bytes, clamped ("SerializePrivateKey() function MUST clamp its
 * output", RFC 7748 §5 decodeScalar25519). Only for an extractable key.
 * @param {CryptoKey} privateKey
 * @returns {Promise<Uint8Array>}
 */
export async function serializePrivateKey(privateKey) {
  requirePrivateKey(privateKey);
  if (!privateKey.extractable) throw new HpkeError(HpkeErrorCode.InvalidArgument, 'a non-extractable private key cannot be serialized');
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
  try {
    const prefix = pkcs8.subarray(0, PKCS8_X25519_PREFIX.length);
    if (pkcs8.length !== PKCS8_X25519_PREFIX.length + Suite.nsk || prefix.some((b, i) => b !== PKCS8_X25519_PREFIX[i])) {
      throw new HpkeError(HpkeErrorCode.InvalidArgument, 'unexpected PKCS#8 encoding of an X25519 key');
    }
    return clamp(pkcs8.slice(PKCS8_X25519_PREFIX.length));
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * DeserializePrivateKey(skXm) (RFC 9180 §7.1.2): 32 bytes, clamped ("DeserializePrivateKey() function MUST clamp its
 * input"), as a key pair; clamping does not change any X25519 output. Non-extractable unless `extractable` is set.
 * @param {Uint8Array} skXm
 * @param {{ extractable?: boolean }} [options]
 * @returns {Promise<KemKeyPair>}
 */
export async function deserializePrivateKey(skXm, { extractable = false } = {}) {
  const sk = requireBytes(skXm, 'the private key');
  try {
    if (sk.length !== Suite.nsk) throw new HpkeError(HpkeErrorCode.DeserializeError, `an X25519 private key is ${Suite.nsk} bytes, not ${sk.length}`);
    return await completeKeyPair(await importPrivateKey(clamp(sk), extractable));
  } finally {
    sk.fill(0);
  }
}

/** decodeScalar25519's bit operations (RFC 7748 §5), in place. */
function clamp(k) {
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  return k;
}

/**
 * DH(skX, pkY) (RFC 9180 §4.1): the 32-byte X25519 output. Throws a ValidationError when it is all zero (§7.1.4: the
 * public key is a low-order point); WebCrypto already refuses that, and the output is checked again here.
 * @param {CryptoKey} privateKey
 * @param {CryptoKey} publicKey
 * @returns {Promise<Uint8Array>}
 */
export async function dh(privateKey, publicKey) {
  requirePrivateKey(privateKey);
  let out;
  try {
    out = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: publicKey }, privateKey, 256));
  } catch (e) {
    if (e?.name === 'OperationError') {
      throw new HpkeError(HpkeErrorCode.ValidationError, 'X25519 gave the all-zero value: the public key is a low-order point (RFC 9180 §7.1.4)');
    }
    throw new HpkeError(HpkeErrorCode.InvalidArgument, `X25519 failed: ${e?.name}: ${e?.message}`);
  }
  let acc = 0;
  for (const b of out) acc |= b;
  if (acc === 0) throw new HpkeError(HpkeErrorCode.ValidationError, 'X25519 gave the all-zero value (RFC 9180 §7.1.4)');
  return out;
}

/**
 * ExtractAndExpand(dh, kem_context) (RFC 9180 §4.1): eae_prk = LabeledExtract("", "eae_prk", dh), then
 * shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret), with the KEM's suite_id.
 */
async function extractAndExpand(dhOutput, kemContext) {
  const eaePrk = await labeledExtract(KEM_SUITE_ID, EMPTY, 'eae_prk', dhOutput);
  try {
    return await labeledExpand(KEM_SUITE_ID, eaePrk, 'shared_secret', kemContext, Suite.nsecret);
  } finally {
    eaePrk.fill(0);
  }
}

/**
 * Encap(pkR) (RFC 9180 §4.1): a fresh ephemeral key pair (skE, pkE), dh = DH(skE, pkR), enc = SerializePublicKey(pkE),
 * kem_context = enc || pkRm, shared_secret = ExtractAndExpand(dh, kem_context).
 * With `ikmE`, the ephemeral key pair is DeriveKeyPair(ikmE) instead of random: for the test vectors of RFC 9180 App. A
 * only; a real sender never passes it (a repeated ikmE repeats the shared secret).
 * Throws an HpkeError: InvalidArgument for a public key that is not 32 bytes, ValidationError for a low-order one.
 * @param {CryptoKey | Uint8Array} recipientPublicKey pkR, as a CryptoKey or serialized (32 bytes).
 * @param {{ ikmE?: Uint8Array }} [options]
 * @returns {Promise<{ sharedSecret: Uint8Array, enc: Uint8Array }>}
 */
export async function encap(recipientPublicKey, { ikmE } = {}) {
  const pkRm = await serializePublicKey(recipientPublicKey);
  const pkR = isCryptoKey(recipientPublicKey) ? recipientPublicKey : await deserializePublicKey(pkRm);
  const ephemeral = ikmE === undefined ? await generateKeyPair() : await deriveKeyPair(ikmE);
  const dhOutput = await dh(ephemeral.privateKey, pkR);
  const enc = ephemeral.publicKeyBytes;
  try {
    return { sharedSecret: await extractAndExpand(dhOutput, concat(enc, pkRm)), enc: enc.slice() };
  } finally {
    dhOutput.fill(0);
  }
}

/**
 * Decap(enc, skR) (RFC 9180 §4.1): pkE = DeserializePublicKey(enc), dh = DH(skR, pkE),
 * kem_context = enc || SerializePublicKey(pk(skR)), shared_secret = ExtractAndExpand(dh, kem_context).
 * Works with a non-extractable private key: pkRm is taken from the key pair, or computed as X25519(skR, 9).
 * Throws an HpkeError: DeserializeError when enc is not 32 bytes, ValidationError when it is a low-order point,
 * InvalidArgument when the recipient key is unusable.
 * @param {Uint8Array} enc
 * @param {RecipientKey} recipient
 * @returns {Promise<Uint8Array>} shared_secret, Nsecret = 32 bytes.
 */
export async function decap(enc, recipient) {
  const encBytes = asBytes(enc);
  if (encBytes === null || encBytes.length !== Suite.nenc) {
    throw new HpkeError(HpkeErrorCode.DeserializeError, `enc must be ${Suite.nenc} bytes, not ${encBytes === null ? 'something else' : encBytes.length}`);
  }
  const encCopy = encBytes.slice();
  const { privateKey, publicKeyBytes: pkRm } = await resolveRecipient(recipient);
  const pkE = await deserializePublicKey(encCopy);
  const dhOutput = await dh(privateKey, pkE);
  try {
    return await extractAndExpand(dhOutput, concat(encCopy, pkRm));
  } finally {
    dhOutput.fill(0);
  }
}

/**
 * The private CryptoKey and serialized public key of a {@link RecipientKey}. Throws an InvalidArgument HpkeError for
 * anything else.
 * @param {RecipientKey} recipient
 * @returns {Promise<{ privateKey: CryptoKey, publicKeyBytes: Uint8Array }>}
 */
export async function resolveRecipient(recipient) {
  if (isCryptoKey(recipient)) return { privateKey: requirePrivateKey(recipient), publicKeyBytes: await publicKeyOf(recipient) };
  const raw = asBytes(recipient);
  if (raw !== null) {
    if (raw.length !== Suite.nsk) throw new HpkeError(HpkeErrorCode.InvalidArgument, `a serialized X25519 private key is ${Suite.nsk} bytes, not ${raw.length}`);
    return deserializePrivateKey(raw);
  }
  if (recipient === null || typeof recipient !== 'object') {
    throw new HpkeError(HpkeErrorCode.InvalidArgument, 'the recipient key must be a key pair, a private CryptoKey or 32 private key bytes');
  }
  const privateKey = requirePrivateKey(recipient.privateKey);
  const given = recipient.publicKeyBytes ?? recipient.publicKey;
  if (given === undefined || given === null) return { privateKey, publicKeyBytes: await publicKeyOf(privateKey) };
  return { privateKey, publicKeyBytes: await serializePublicKey(given) };
}
