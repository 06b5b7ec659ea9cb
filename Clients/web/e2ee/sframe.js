// SFrame (RFC 9605) for the web client: a sender context and a receiver context over WebCrypto, and Conclave's KID
// layout. No dependencies; usable from a page or from the worker of an RTCRtpScriptTransform.
//
//   const sender = new SFrameSender();                       // AES_128_GCM_SHA256_128
//   await sender.setKey(conclaveKid(myIndex, epoch), baseKey);
//   const { status, ciphertext } = await sender.encrypt(frameBytes);
//
//   const receiver = new SFrameReceiver();
//   await receiver.addKey(conclaveKid(theirIndex, epoch), theirBaseKey);
//   const { status, plaintext } = await receiver.decrypt(ciphertext);   // never throws on bad input

import { MAX_UINT64, asBytes, decodeHeader, toUint64, writeHeader, headerLength } from './header.js';
import { DEFAULT_CIPHER_SUITE, deriveKeySalt, importAeadKey, makeNonce, requireSuite } from './suites.js';

export { MAX_UINT64, MAX_HEADER_LENGTH, asBytes, decodeHeader, encodeHeader, headerLength, toUint64, writeHeader } from './header.js';
export {
  AeadKey, CipherSuite, DEFAULT_CIPHER_SUITE, cipherSuiteInfo, deriveKeySalt, deriveSubkeys, importAeadKey,
  keyScheduleLabels, makeNonce,
} from './suites.js';

/**
 * Outcomes of {@link SFrameSender#encrypt} and {@link SFrameReceiver#decrypt}: the data plane reports, it never throws.
 * @readonly
 * @enum {string}
 */
export const SFrameStatus = Object.freeze({
  /** Encrypted, or decrypted and authenticated. */
  Ok: 'ok',
  /** Not an SFrame ciphertext (RFC 9605 §4.3 header unreadable, shorter than the tag), or the input is not bytes. */
  Malformed: 'malformed',
  /** No key for the header's KID. RFC 9605 §4.4.4: the caller MAY buffer the ciphertext until the key arrives. */
  UnknownKey: 'unknown-key',
  /** The AEAD tag did not verify: tampered, wrong key, or wrong metadata. RFC 9605 §4.4.4: MUST discard. */
  AuthenticationFailed: 'authentication-failed',
  /** The sender has no key yet. */
  NoKey: 'no-key',
  /** Every CTR of the current key was used (2^64 frames). RFC 9605 §7.4: refuse; a new key is needed. */
  CounterExhausted: 'counter-exhausted',
});

const EMPTY = new Uint8Array(0);

/**
 * @typedef {object} EncryptResult
 * @property {SFrameStatus} status
 * @property {Uint8Array} [ciphertext] The SFrame ciphertext, header first (when status is Ok).
 * @property {bigint} [kid]
 * @property {bigint} [ctr]
 */

/**
 * @typedef {object} DecryptResult
 * @property {SFrameStatus} status
 * @property {Uint8Array} [plaintext] When status is Ok.
 * @property {bigint} [kid] When the header was readable.
 * @property {bigint} [ctr] When the header was readable.
 */

/**
 * The encrypting side of one media sender (RFC 9605 §4.4.1): one current KID with its base_key, and the next CTR for
 * it. Each (base_key, KID, CTR) is used for at most one encryption (§9.1): the CTR is taken before the first await,
 * so concurrent calls never share one, and a (base_key, KID) this sender already used is refused.
 */
export class SFrameSender {
  #suite;
  /** @type {{ kid: bigint, salt: Uint8Array, aead: import('./suites.js').AeadKey, next: bigint } | null} */
  #current = null;
  #installs = 0;
  #used = new Set();        // hex sframe_salt of every key installed: equal salts mean the same (base_key, KID, suite)

  /** @param {{ cipherSuite?: number }} [options] RFC 9605 §8.1 suite; AES_128_GCM_SHA256_128 by default. */
  constructor({ cipherSuite = DEFAULT_CIPHER_SUITE } = {}) {
    this.#suite = requireSuite(cipherSuite);
  }

  /** The cipher suite's identifier (RFC 9605 §8.1). */
  get cipherSuite() { return this.#suite.id; }

  /** The current KID, or null before the first {@link setKey}. */
  get kid() { return this.#current?.kid ?? null; }

  /** The CTR the next frame will use, or null before the first {@link setKey}. Exceeds 2^64 - 1 once exhausted. */
  get nextCounter() { return this.#current?.next ?? null; }

  /**
   * Derives the key and salt of (kid, baseKey) (RFC 9605 §4.4.2) and makes them current once derived; later frames
   * use kid. Counting starts at `nextCounter` (0; a stored value when resuming, §9.1). Throws when the arguments are
   * out of range, or when this sender already used this base_key with this KID (its CTRs would repeat).
   * If several calls overlap, only the last one called can take effect.
   * @param {bigint | number} kid
   * @param {Uint8Array | CryptoKey} baseKey Raw bytes, or an HKDF CryptoKey with the deriveBits usage.
   * @param {{ nextCounter?: bigint | number }} [options]
   * @returns {Promise<void>}
   */
  async setKey(kid, baseKey, { nextCounter = 0n } = {}) {
    const k = toUint64(kid, 'KID');
    const next = toUint64(nextCounter, 'nextCounter');
    const install = ++this.#installs;
    const { key, salt } = await deriveKeySalt(this.#suite.id, k, baseKey);
    const aead = await importAeadKey(this.#suite.id, key, 'encrypt');
    key.fill(0);
    const fingerprint = hex(salt);
    if (this.#used.has(fingerprint)) throw new Error(`KID ${k} was already used with this base_key by this sender (RFC 9605 §9.1)`);
    if (install !== this.#installs) return;                   // a later setKey superseded this one
    this.#used.add(fingerprint);
    this.#current = { kid: k, salt, aead, next };
  }

  /**
   * RFC 9605 §4.4.3 encrypt(CTR, KID, metadata, plaintext) with the current KID and the next CTR: returns the header
   * followed by the AEAD ciphertext. `metadata` is authenticated but not sent (§9.4); the receiver must pass the same.
   * Never throws: reports NoKey, CounterExhausted or Malformed (inputs that are not bytes, or a buffer detached while
   * in use).
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView} plaintext
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView} [metadata]
   * @returns {Promise<EncryptResult>}
   */
  async encrypt(plaintext, metadata = EMPTY) {
    const pt = asBytes(plaintext), meta = asBytes(metadata);
    if (pt === null || meta === null) return { status: SFrameStatus.Malformed };
    const key = this.#current;
    if (key === null) return { status: SFrameStatus.NoKey };
    // RFC 9605 §7.4: never encrypt twice with the same key and nonce. Taken synchronously, before any await.
    if (key.next > MAX_UINT64) return { status: SFrameStatus.CounterExhausted, kid: key.kid };
    const ctr = key.next;
    key.next = ctr + 1n;

    const length = headerLength(key.kid, ctr);
    const aad = new Uint8Array(length + meta.length);         // RFC 9605 §4.4.3: aad = header + metadata
    writeHeader(aad, 0, key.kid, ctr);
    aad.set(meta, length);
    let sealed;
    try {
      sealed = await key.aead.seal(makeNonce(key.salt, ctr), aad, pt);
    } catch {
      return { status: SFrameStatus.Malformed, kid: key.kid };   // e.g. the buffer was detached under us; the CTR stays used
    }
    const ciphertext = new Uint8Array(length + sealed.length);
    ciphertext.set(aad.subarray(0, length), 0);
    ciphertext.set(sealed, length);
    return { status: SFrameStatus.Ok, ciphertext, kid: key.kid, ctr };
  }
}

/**
 * The decrypting side (RFC 9605 §4.4.4): keys by KID, for decryption only (§4.4.1). Bounded: at most `keysPerSender`
 * keys of one sender (the newest added; the older ones are the window for frames still in flight across a rotation,
 * §4.4.1) and `maxKeys` in all (the oldest added go first). Senders are told apart by `senderOf(kid)`, Conclave's layout
 * by default ({@link kidSenderIndex}); pass `senderOf: kid => kid` to bound only the total. The default of 3 keys per
 * sender is the C# `SFrameReceiver`'s default (the newest key and 2 retained epochs).
 */
export class SFrameReceiver {
  #suite; #keysPerSender; #maxKeys; #senderOf;
  /** @type {Map<bigint, { salt: Uint8Array, aead: import('./suites.js').AeadKey }>} insertion order = age */
  #keys = new Map();

  /**
   * @param {{ cipherSuite?: number, keysPerSender?: number, maxKeys?: number, senderOf?: (kid: bigint) => unknown }} [options]
   */
  constructor({ cipherSuite = DEFAULT_CIPHER_SUITE, keysPerSender = 3, maxKeys = 256, senderOf = kidSenderIndex } = {}) {
    this.#suite = requireSuite(cipherSuite);
    if (!Number.isSafeInteger(keysPerSender) || keysPerSender < 1) throw new RangeError('keysPerSender must be a positive integer');
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');
    if (typeof senderOf !== 'function') throw new TypeError('senderOf must be a function of the KID');
    this.#keysPerSender = keysPerSender;
    this.#maxKeys = maxKeys;
    this.#senderOf = senderOf;
  }

  /** The cipher suite's identifier (RFC 9605 §8.1). */
  get cipherSuite() { return this.#suite.id; }

  /** The KIDs held, oldest first. */
  get kids() { return [...this.#keys.keys()]; }

  /** @param {bigint | number} kid @returns {boolean} */
  hasKey(kid) { return this.#keys.has(toUint64(kid, 'KID')); }

  /**
   * Derives the key and salt of (kid, baseKey) (RFC 9605 §4.4.2) and holds them for decryption, replacing any key of
   * that KID; then drops the oldest keys beyond the bounds. Throws when the arguments are out of range.
   * @param {bigint | number} kid
   * @param {Uint8Array | CryptoKey} baseKey Raw bytes, or an HKDF CryptoKey with the deriveBits usage.
   * @returns {Promise<void>}
   */
  async addKey(kid, baseKey) {
    const k = toUint64(kid, 'KID');
    const { key, salt } = await deriveKeySalt(this.#suite.id, k, baseKey);
    const aead = await importAeadKey(this.#suite.id, key, 'decrypt');
    key.fill(0);
    this.#keys.delete(k);
    this.#keys.set(k, { salt, aead });
    this.#evict(k);
  }

  /** Forgets the key of `kid`; true if there was one. @param {bigint | number} kid @returns {boolean} */
  removeKey(kid) { return this.#keys.delete(toUint64(kid, 'KID')); }

  /**
   * RFC 9605 §4.4.4 decrypt(metadata, sframe_ciphertext): reads the header, finds the key of its KID, and opens the
   * AEAD ciphertext with aad = header + metadata. Never throws and never rejects: bad input gives Malformed,
   * UnknownKey or AuthenticationFailed, and no plaintext.
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView} sframeCiphertext
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView} [metadata]
   * @returns {Promise<DecryptResult>}
   */
  async decrypt(sframeCiphertext, metadata = EMPTY) {
    try {
      const bytes = asBytes(sframeCiphertext), meta = asBytes(metadata);
      if (bytes === null || meta === null) return { status: SFrameStatus.Malformed };
      const header = decodeHeader(bytes);
      if (header === null) return { status: SFrameStatus.Malformed };
      const { kid, ctr } = header;
      const key = this.#keys.get(kid);
      if (key === undefined) return { status: SFrameStatus.UnknownKey, kid, ctr };
      if (bytes.length - header.length < this.#suite.nt) return { status: SFrameStatus.Malformed, kid, ctr };

      const aad = new Uint8Array(header.length + meta.length);
      aad.set(bytes.subarray(0, header.length), 0);           // the bytes as received: they are what was authenticated
      aad.set(meta, header.length);
      const plaintext = await key.aead.open(makeNonce(key.salt, ctr), aad, bytes.subarray(header.length));
      if (plaintext === null) return { status: SFrameStatus.AuthenticationFailed, kid, ctr };
      return { status: SFrameStatus.Ok, plaintext, kid, ctr };
    } catch {
      return { status: SFrameStatus.Malformed };               // e.g. the buffer was detached under us
    }
  }

  #evict(added) {
    const sender = this.#senderOf(added);
    let kept = 0;
    for (const kid of [...this.#keys.keys()].reverse()) {     // newest first
      if (this.#senderOf(kid) !== sender) continue;
      if (++kept > this.#keysPerSender) this.#keys.delete(kid);
    }
    for (const kid of this.#keys.keys()) {
      if (this.#keys.size <= this.#maxKeys) break;
      this.#keys.delete(kid);
    }
  }
}

// Conclave's KID layout: kid = (senderIndex << 8) | epoch. The sender index is the participant's slot in the call,
// the epoch the low byte of their key generation, which wraps from 255 to 0. RFC 9605 §9.2: the KID is visible to
// the SFU, which learns who sends and how often keys rotate, nothing more.

/** Bits of the KID that hold the epoch. */
export const EPOCH_BITS = 8n;

/** The largest sender index that fits: 2^56 - 1. */
export const MAX_SENDER_INDEX = MAX_UINT64 >> EPOCH_BITS;

/**
 * Conclave's KID for a sender and a key epoch: (senderIndex << 8) | (epoch mod 256).
 * @param {bigint | number} senderIndex In [0, 2^56 - 1].
 * @param {bigint | number} epoch Any non-negative integer; only its low byte is kept (the epoch wraps).
 * @returns {bigint}
 */
export function conclaveKid(senderIndex, epoch) {
  const sender = toUint64(senderIndex, 'senderIndex');
  if (sender > MAX_SENDER_INDEX) throw new RangeError(`senderIndex ${sender} does not fit in 56 bits`);
  const e = typeof epoch === 'bigint' ? epoch : toUint64(epoch, 'epoch');
  if (e < 0n) throw new RangeError('epoch must be non-negative');
  return (sender << EPOCH_BITS) | (e & 0xFFn);
}

/**
 * The sender index of a Conclave KID: kid >> 8.
 * @param {bigint} kid
 * @returns {bigint}
 */
export function kidSenderIndex(kid) { return kid >> EPOCH_BITS; }

/**
 * The epoch byte of a Conclave KID: kid & 0xFF.
 * @param {bigint} kid
 * @returns {number}
 */
export function kidEpoch(kid) { return Number(kid & 0xFFn); }

/**
 * The epoch after `epoch`, wrapping from 255 to 0.
 * @param {number} epoch
 * @returns {number}
 */
export function nextEpoch(epoch) { return (epoch + 1) & 0xFF; }

function hex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
