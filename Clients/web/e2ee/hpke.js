// HPKE (RFC 9180) base mode for the web client: by default DHKEM(X25519, HKDF-SHA256) (kem_id 0x0020), HKDF-SHA256
// (kdf_id 0x0001), AES-128-GCM (aead_id 0x0001), on WebCrypto only; usable from a page or a worker.
//
//   const device = await generateKeyPair();                   // non-extractable private key, e.g. kept in IndexedDB
//   const { enc, ct } = await seal(device.publicKeyBytes, info, aad, plaintext);          // on the sender
//   const r = await open(device, enc, info, aad, ct);           // { ok: true, pt } or { ok: false, error }; never throws
//
//   const { enc, context } = await setupBaseS(pkR, info);     // several messages, or Export (§5.3)
//   const ct0 = await context.seal(aad0, pt0);
//   const receiver = await setupBaseR(enc, device, info);
//   const r0 = await receiver.open(aad0, ct0);                 // in order: the sequence numbers must match
//
// The building blocks (§4 LabeledExtract/LabeledExpand, §4.1 DHKEM, §5.1 key schedule) are exported for tests and for
// other constructions over the same suite.
//
// Post-quantum: every function here takes a `suite` option (a CipherSuite, see Suites, KemId, KdfId, AeadId; the
// default is the suite above). With Suites.XWingSha256Aes128Gcm the KEM is X-Wing (kem_id 0x647a, X25519 + ML-KEM-768,
// ./xwing.js): the recipient's public key is 1216 bytes, enc is 1120, and the recipient key is the 32-byte X-Wing seed
// or an XWingDecapsulationKey (or the { seed, publicKey, decapsulationKey } of xwing.js's generate()):
//
//   import { generate } from './xwing.js';
//   const device = await generate();                           // keep device.seed (32 bytes) secret
//   const suite = Suites.XWingSha256Aes128Gcm;
//   const { enc, ct } = await seal(device.publicKey, info, aad, pt, { suite });
//   const r = await open(device.decapsulationKey, enc, info, aad, ct, { suite });
//
// The X-Wing code, the SHAKE256 KDF and ChaCha20-Poly1305 (../vendor/noble) are loaded on first use; a caller of the
// default suite loads none of them.

import {
  AeadId, EMPTY, HpkeError, HpkeErrorCode, KemId, Mode, Suite, concat, importPrk, labeledDerive, labeledExpand,
  labeledExtract, lengthPrefixed, requireBytes, resolveSuite,
} from './hpke-core.js';
import { decap, encap } from './hpke-dhkem.js';

export {
  AeadId, HPKE_SUITE_ID, HpkeError, HpkeErrorCode, KEM_SUITE_ID, KdfId, KemId, Mode, Suite, Suites, cipherSuite, concat,
  expand, extract, i2osp, labeledDerive, labeledExpand, labeledExtract, resolveSuite,
} from './hpke-core.js';
export {
  decap, deriveKeyPair, deserializePrivateKey, deserializePublicKey, dh, encap, generateKeyPair, publicKeyOf,
  resolveRecipient, serializePrivateKey, serializePublicKey,
} from './hpke-dhkem.js';

/**
 * The first sequence number an encryption context refuses: 2^(8 * Nn) - 1 = 2^96 - 1 (RFC 9180 §5.2, IncrementSeq
 * raises MessageLimitReachedError once seq reaches it, so the last message uses 2^96 - 2).
 */
export const SEQ_LIMIT = (1n << BigInt(8 * Suite.nn)) - 1n;

/**
 * The roles of an encryption context (RFC 9180 §5.2): ContextS seals, ContextR opens; both export.
 * @readonly
 * @enum {string}
 */
export const Role = Object.freeze({ Sender: 'sender', Recipient: 'recipient' });

/**
 * Result of an open: the plaintext, or why there is none (an {@link HpkeErrorCode} and a message).
 * @typedef {{ ok: true, pt: Uint8Array } | { ok: false, error: HpkeErrorCode, message: string }} OpenResult
 */

/**
 * The intermediate values of the key schedule, as printed in the test vectors of RFC 9180 App. A.
 * With a one-stage KDF (SHAKE256), keyScheduleContext is mode || lengthPrefixed(psk_id) || lengthPrefixed(info) and
 * secret is the whole LabeledDerive output, key || base_nonce || exporter_secret (draft-ietf-hpke-hpke §5.1).
 * @typedef {object} KeyScheduleSecrets
 * @property {Uint8Array} keyScheduleContext mode || psk_id_hash || info_hash (65 bytes).
 * @property {Uint8Array} secret             LabeledExtract(shared_secret, "secret", psk), Nh bytes.
 * @property {Uint8Array} key                The AEAD key, Nk bytes (16 for AES-128-GCM, 32 for ChaCha20-Poly1305).
 * @property {Uint8Array} baseNonce          Nn = 12 bytes.
 * @property {Uint8Array} exporterSecret     Nh bytes (32 for HKDF-SHA256, 64 for SHAKE256).
 */

/** @type {Promise<typeof import('./xwing.js')> | null} */
let xwingModule = null;
/** @type {Promise<typeof import('../vendor/noble/ciphers/chacha.js')> | null} */
let chachaModule = null;

/** ./xwing.js (and with it the vendored ML-KEM-768), loaded on first use. */
function loadXWing() {
  xwingModule ??= import('./xwing.js').catch((e) => {
    xwingModule = null;
    throw e;
  });
  return xwingModule;
}

/** noble's ChaCha20-Poly1305 (vendored), loaded on first use. */
function loadChaCha() {
  chachaModule ??= import('../vendor/noble/ciphers/chacha.js').catch((e) => {
    chachaModule = null;
    throw e;
  });
  return chachaModule;
}

/**
 * ComputeNonce(seq) (RFC 9180 §5.2): base_nonce XOR I2OSP(seq, Nn).
 * @param {Uint8Array} baseNonce Nn = 12 bytes.
 * @param {bigint | number} seq In [0, 2^96 - 1].
 * @returns {Uint8Array}
 */
export function computeNonce(baseNonce, seq) {
  if (!(baseNonce instanceof Uint8Array) || baseNonce.length !== Suite.nn) throw new RangeError(`base_nonce must be ${Suite.nn} bytes`);
  let s = toSeq(seq);
  const nonce = baseNonce.slice();
  for (let i = Suite.nn - 1; i >= 0 && s > 0n; i--) {
    nonce[i] ^= Number(s & 0xFFn);
    s >>= 8n;
  }
  return nonce;
}

function toSeq(seq) {
  if (typeof seq === 'number' && Number.isSafeInteger(seq)) seq = BigInt(seq);
  if (typeof seq !== 'bigint' || seq < 0n || seq > SEQ_LIMIT) throw new RangeError(`a sequence number is an integer in [0, 2^96 - 1], not ${seq}`);
  return seq;
}

/**
 * KeySchedule<ROLE>(mode_base, shared_secret, info, psk = "", psk_id = "") of RFC 9180 §5.1, up to the context (for
 * HKDF-SHA256; for a one-stage KDF, see {@link KeyScheduleSecrets}):
 *   psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
 *   info_hash = LabeledExtract("", "info_hash", info)
 *   key_schedule_context = mode || psk_id_hash || info_hash
 *   secret = LabeledExtract(shared_secret, "secret", psk)
 *   key = LabeledExpand(secret, "key", key_schedule_context, Nk)
 *   base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
 *   exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
 * with the HPKE suite_id. VerifyPSKInputs holds trivially: base mode, no PSK. The caller owns (and should wipe) the
 * returned secrets; {@link keySchedule} is the same but keeps them inside a context.
 * @param {Uint8Array} sharedSecret Nsecret = 32 bytes.
 * @param {Uint8Array} info At most 65535 bytes with a one-stage KDF (lengthPrefixed).
 * @param {{ suite?: import('./hpke-core.js').CipherSuite }} [options] The default: DHKEM(X25519), HKDF-SHA256, AES-128-GCM.
 * @returns {Promise<KeyScheduleSecrets>}
 */
export async function keyScheduleSecrets(sharedSecret, info, { suite } = {}) {
  const s = resolveSuite(suite);
  const ss = requireBytes(sharedSecret, 'shared_secret');
  const infoBytes = requireBytes(info, 'info');
  if (ss.length !== s.nsecret) throw new HpkeError(HpkeErrorCode.InvalidArgument, `shared_secret must be ${s.nsecret} bytes`);
  const suiteId = s.suiteId;
  try {
    if (s.oneStageKdf) {
      // draft-ietf-hpke-hpke §5.1 CombineSecrets_OneStage, psk = psk_id = "".
      const secrets = concat(lengthPrefixed(EMPTY, 'psk'), lengthPrefixed(ss, 'shared_secret'));
      const keyScheduleContext = concat(Uint8Array.of(Mode.Base), lengthPrefixed(EMPTY, 'psk_id'), lengthPrefixed(infoBytes, 'info'));
      try {
        const secret = await labeledDerive(suiteId, secrets, 'secret', keyScheduleContext, s.nk + s.nn + s.nh);
        const key = secret.slice(0, s.nk), baseNonce = secret.slice(s.nk, s.nk + s.nn), exporterSecret = secret.slice(s.nk + s.nn);
        return { keyScheduleContext, secret, key, baseNonce, exporterSecret };
      } finally {
        secrets.fill(0);
      }
    }
    const [pskIdHash, infoHash] = await Promise.all([
      labeledExtract(suiteId, EMPTY, 'psk_id_hash', EMPTY),
      labeledExtract(suiteId, EMPTY, 'info_hash', infoBytes),
    ]);
    const keyScheduleContext = concat(Uint8Array.of(Mode.Base), pskIdHash, infoHash);
    const secret = await labeledExtract(suiteId, ss, 'secret', EMPTY);
    const [key, baseNonce, exporterSecret] = await Promise.all([
      labeledExpand(suiteId, secret, 'key', keyScheduleContext, s.nk),
      labeledExpand(suiteId, secret, 'base_nonce', keyScheduleContext, s.nn),
      labeledExpand(suiteId, secret, 'exp', keyScheduleContext, s.nh),
    ]);
    return { keyScheduleContext, secret, key, baseNonce, exporterSecret };
  } finally {
    ss.fill(0);
  }
}

/**
 * KeyScheduleS / KeyScheduleR (RFC 9180 §5.1) in base mode: the encryption context of `role`. With AES-128-GCM the
 * AEAD key is imported non-extractable for its one direction, with HKDF-SHA256 the exporter_secret as a non-extractable
 * HMAC key; the raw secrets are wiped. (ChaCha20-Poly1305 and SHAKE256 are JavaScript code: the context keeps their
 * key bytes in private fields.)
 * @param {Role} role
 * @param {Uint8Array} sharedSecret Nsecret = 32 bytes, from {@link encap} or {@link decap}.
 * @param {Uint8Array} info
 * @param {{ seq?: bigint | number, suite?: import('./hpke-core.js').CipherSuite }} [options] The first sequence
 *   number: 0. Anything else only to resume a context whose used numbers are known (never reuse one: nonces would
 *   repeat), or in tests. The suite: DHKEM(X25519), HKDF-SHA256, AES-128-GCM unless given.
 * @returns {Promise<HpkeContext>}
 */
export async function keySchedule(role, sharedSecret, info, { seq = 0n, suite } = {}) {
  if (role !== Role.Sender && role !== Role.Recipient) throw new HpkeError(HpkeErrorCode.InvalidArgument, "role must be 'sender' or 'recipient'");
  const first = toSeq(seq);
  const s = resolveSuite(suite);
  const { secret, key, baseNonce, exporterSecret } = await keyScheduleSecrets(sharedSecret, info, { suite: s });
  try {
    const [aead, exporter] = await Promise.all([
      s.aeadId === AeadId.Aes128Gcm
        ? crypto.subtle.importKey('raw', key, 'AES-GCM', false, [role === Role.Sender ? 'encrypt' : 'decrypt'])
        : loadChaCha().then(({ chacha20poly1305 }) => ({ chacha20poly1305, key: key.slice() })),
      s.oneStageKdf ? exporterSecret.slice() : importPrk(exporterSecret),
    ]);
    return new HpkeContext(CONSTRUCT, role, aead, baseNonce, exporter, first, s);
  } finally {
    secret.fill(0);
    key.fill(0);
    exporterSecret.fill(0);
  }
}

const CONSTRUCT = Symbol('HpkeContext');

/**
 * An encryption context (RFC 9180 §5.2): ContextS (role sender) seals, ContextR (role recipient) opens, both export
 * (§5.3). Made by {@link keySchedule}, {@link setupBaseS} or {@link setupBaseR}.
 *
 * The sequence number counts messages: a sender takes it before its first await, so concurrent seals never share a
 * nonce; a recipient opens in call order, one at a time, and moves to the next number only when a message opened
 * (§5.2: "the sequence number ... is incremented after each successful call").
 */
export class HpkeContext {
  #role; #aead; #baseNonce; #exporter; #seq; #suite;
  /** @type {Promise<unknown>} the recipient's queue of opens */
  #tail = Promise.resolve();

  /** @private Use keySchedule, setupBaseS or setupBaseR. */
  constructor(token, role, aead, baseNonce, exporter, seq, suite = resolveSuite(undefined)) {
    if (token !== CONSTRUCT) throw new TypeError('use keySchedule, setupBaseS or setupBaseR');
    this.#role = role; this.#aead = aead; this.#baseNonce = baseNonce.slice(); this.#exporter = exporter; this.#seq = seq;
    this.#suite = suite;
  }

  /** @returns {Role} */
  get role() { return this.#role; }

  /** The suite of the context. @returns {import('./hpke-core.js').CipherSuite} */
  get suite() { return this.#suite; }

  /** The sequence number of the next message (RFC 9180 §5.2). */
  get seq() { return this.#seq; }

  /**
   * ContextS.Seal(aad, pt) (RFC 9180 §5.2): the AEAD with nonce = ComputeNonce(seq), then seq + 1. Returns the
   * ciphertext followed by the 16-byte tag. Throws an HpkeError: MessageLimitReached once seq reaches 2^96 - 1,
   * InvalidArgument for a recipient context or inputs that are not bytes.
   * @param {Uint8Array} aad
   * @param {Uint8Array} pt
   * @returns {Promise<Uint8Array>}
   */
  async seal(aad, pt) {
    if (this.#role !== Role.Sender) throw new HpkeError(HpkeErrorCode.InvalidArgument, 'a recipient context cannot seal (RFC 9180 §5.2)');
    const a = requireBytes(aad, 'aad'), p = requireBytes(pt, 'pt');
    if (this.#seq >= SEQ_LIMIT) throw new HpkeError(HpkeErrorCode.MessageLimitReached, 'this context sealed 2^96 - 1 messages (RFC 9180 §5.2)');
    const seq = this.#seq;
    this.#seq = seq + 1n;                                     // taken before any await: never two seals on one nonce
    const iv = computeNonce(this.#baseNonce, seq);
    if (this.#suite.aeadId !== AeadId.Aes128Gcm) return this.#aead.chacha20poly1305(this.#aead.key, iv, a).encrypt(p);
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: a, tagLength: 128 }, this.#aead, p));
  }

  /**
   * ContextR.Open(aad, ct) (RFC 9180 §5.2): the plaintext, and seq + 1; or a failure and seq unchanged. Never rejects
   * on bad data (OpenError for a ciphertext that does not authenticate or is shorter than the tag, InvalidArgument for
   * values that are not bytes, MessageLimitReached at seq 2^96 - 1). Rejects only on misuse: a sender context.
   * Calls are queued: each opens with the sequence number left by the calls before it.
   * @param {Uint8Array} aad
   * @param {Uint8Array} ct
   * @returns {Promise<OpenResult>}
   */
  async open(aad, ct) {
    if (this.#role !== Role.Recipient) throw new HpkeError(HpkeErrorCode.InvalidArgument, 'a sender context cannot open (RFC 9180 §5.2)');
    let a, c;
    try {
      a = requireBytes(aad, 'aad');
      c = requireBytes(ct, 'ct');
    } catch (e) {
      return failure(e);
    }
    const run = this.#tail.then(() => this.#openNow(a, c));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #openNow(aad, ct) {
    if (this.#seq >= SEQ_LIMIT) return failure(new HpkeError(HpkeErrorCode.MessageLimitReached, 'this context opened 2^96 - 1 messages (RFC 9180 §5.2)'));
    if (ct.length < Suite.nt) return failure(new HpkeError(HpkeErrorCode.OpenError, `a ciphertext has at least the ${Suite.nt}-byte tag`));
    const iv = computeNonce(this.#baseNonce, this.#seq);
    let pt;
    try {
      pt = this.#suite.aeadId === AeadId.Aes128Gcm
        ? new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, this.#aead, ct))
        : this.#aead.chacha20poly1305(this.#aead.key, iv, aad).decrypt(ct);
    } catch {
      return failure(new HpkeError(HpkeErrorCode.OpenError, 'the ciphertext did not authenticate (RFC 9180 §5.2 OpenError)'));
    }
    this.#seq += 1n;
    return { ok: true, pt };
  }

  /**
   * Context.Export(exporter_context, L) (RFC 9180 §5.3): LabeledExpand(exporter_secret, "sec", exporter_context, L);
   * with a one-stage KDF, LabeledDerive(exporter_secret, "sec", exporter_context, L) (draft-ietf-hpke-hpke §5.3).
   * Throws a RangeError when L > 255 * Nh = 8160 (§5.3: "MUST ... reject"; one-stage: L > 65535), an HpkeError for a
   * context that is not bytes.
   * @param {Uint8Array} exporterContext
   * @param {number} length L
   * @returns {Promise<Uint8Array>}
   */
  async export(exporterContext, length) {
    const context = requireBytes(exporterContext, 'exporter_context');
    if (this.#suite.oneStageKdf) return labeledDerive(this.#suite.suiteId, this.#exporter, 'sec', context, length);
    return labeledExpand(this.#suite.suiteId, this.#exporter, 'sec', context, length);
  }
}

/** An open's failure result from an error. */
function failure(e) {
  if (e instanceof HpkeError) return { ok: false, error: e.code, message: e.message };
  return { ok: false, error: HpkeErrorCode.InvalidArgument, message: String(e?.message ?? e) };
}

/**
 * Encap(pkR) of the suite's KEM: DHKEM(X25519) ({@link encap}) or X-Wing (Encapsulate, with `ikmE` as the 64-byte eseed
 * of EncapsulateDerand, for the test vectors only).
 * @returns {Promise<{ sharedSecret: Uint8Array, enc: Uint8Array }>}
 */
async function suiteEncap(suite, recipientPublicKey, ikmE) {
  if (suite.kemId !== KemId.XWing) return encap(recipientPublicKey, { ikmE });
  const { encapsulate } = await loadXWing();
  const { sharedSecret, ciphertext } = await encapsulate(recipientPublicKey, { eseed: ikmE });
  return { sharedSecret, enc: ciphertext };
}

/** Decap(enc, skR) of the suite's KEM: DHKEM(X25519) ({@link decap}) or X-Wing (Decapsulate). */
async function suiteDecap(suite, enc, recipient) {
  if (suite.kemId !== KemId.XWing) return decap(enc, recipient);
  const { decapsulate } = await loadXWing();
  return decapsulate(enc, recipient);
}

/**
 * SetupBaseS(pkR, info) (RFC 9180 §5.1.1): Encap(pkR), then KeyScheduleS. `ikmE` is for the test vectors only (see
 * {@link encap}; for X-Wing, the 64-byte eseed). Throws an HpkeError (InvalidArgument, ValidationError; X-Wing:
 * InvalidArgument, EncapError) for a public key that cannot be used.
 * @param {CryptoKey | Uint8Array} recipientPublicKey pkR: a CryptoKey, or serialized (32 bytes; X-Wing: 1216 bytes).
 * @param {Uint8Array} info
 * @param {{ ikmE?: Uint8Array, suite?: import('./hpke-core.js').CipherSuite }} [options]
 * @returns {Promise<{ enc: Uint8Array, context: HpkeContext }>}
 */
export async function setupBaseS(recipientPublicKey, info, { ikmE, suite } = {}) {
  const s = resolveSuite(suite);
  const infoBytes = requireBytes(info, 'info');
  const { sharedSecret, enc } = await suiteEncap(s, recipientPublicKey, ikmE);
  try {
    return { enc, context: await keySchedule(Role.Sender, sharedSecret, infoBytes, { suite: s }) };
  } finally {
    sharedSecret.fill(0);
  }
}

/**
 * A recipient key of the X-Wing suite: the 32-byte seed, an expanded XWingDecapsulationKey (faster: no key expansion
 * per message), or what xwing.js's generate() returns.
 * @typedef {Uint8Array | import('./xwing.js').XWingDecapsulationKey | { decapsulationKey: import('./xwing.js').XWingDecapsulationKey }} XWingRecipientKey
 */

/**
 * SetupBaseR(enc, skR, info) (RFC 9180 §5.1.1): Decap(enc, skR), then KeyScheduleR. Throws an HpkeError:
 * DeserializeError (enc not 32 bytes; X-Wing: not 1120), ValidationError (enc a low-order point), InvalidArgument
 * (unusable key, info or suite). A wrong or tampered enc gives a context whose opens fail with OpenError.
 * @param {Uint8Array} enc
 * @param {import('./hpke-dhkem.js').RecipientKey | XWingRecipientKey} recipient skR, with pkR or without (then computed).
 * @param {Uint8Array} info
 * @param {{ suite?: import('./hpke-core.js').CipherSuite }} [options]
 * @returns {Promise<HpkeContext>}
 */
export async function setupBaseR(enc, recipient, info, { suite } = {}) {
  const s = resolveSuite(suite);
  const infoBytes = requireBytes(info, 'info');
  const sharedSecret = await suiteDecap(s, enc, recipient);
  try {
    return await keySchedule(Role.Recipient, sharedSecret, infoBytes, { suite: s });
  } finally {
    sharedSecret.fill(0);
  }
}

/**
 * Single-shot Seal (RFC 9180 §6.1): SetupBaseS(pkR, info), then one Seal(aad, pt) at sequence number 0.
 * Throws an HpkeError for a recipient public key that cannot be used or inputs that are not bytes.
 * @param {CryptoKey | Uint8Array} recipientPublicKey pkR: a CryptoKey, or serialized (32 bytes; X-Wing: 1216 bytes).
 * @param {Uint8Array} info
 * @param {Uint8Array} aad
 * @param {Uint8Array} pt
 * @param {{ ikmE?: Uint8Array, suite?: import('./hpke-core.js').CipherSuite }} [options] ikmE for the test vectors only;
 *   the suite: DHKEM(X25519), HKDF-SHA256, AES-128-GCM unless given (Suites.XWingSha256Aes128Gcm for X-Wing).
 * @returns {Promise<{ enc: Uint8Array, ct: Uint8Array }>}
 */
export async function seal(recipientPublicKey, info, aad, pt, { ikmE, suite } = {}) {
  const a = requireBytes(aad, 'aad'), p = requireBytes(pt, 'pt');
  const { enc, context } = await setupBaseS(recipientPublicKey, info, { ikmE, suite });
  return { enc, ct: await context.seal(a, p) };
}

/**
 * Single-shot Open (RFC 9180 §6.1): SetupBaseR(enc, skR, info), then one Open(aad, ct) at sequence number 0.
 * Never throws and never rejects: hostile input (enc of the wrong length or a low-order point, a tampered enc, ct, aad
 * or info, values that are not bytes) and an unusable recipient key give `{ ok: false, error, message }`.
 * @param {import('./hpke-dhkem.js').RecipientKey | XWingRecipientKey} recipient skR: a key pair (private key possibly
 *   non-extractable), a private CryptoKey alone, or 32 private key bytes; for X-Wing, see {@link XWingRecipientKey}.
 * @param {Uint8Array} enc
 * @param {Uint8Array} info
 * @param {Uint8Array} aad
 * @param {Uint8Array} ct
 * @param {{ suite?: import('./hpke-core.js').CipherSuite }} [options] The suite the message was sealed with.
 * @returns {Promise<OpenResult>}
 */
export async function open(recipient, enc, info, aad, ct, { suite } = {}) {
  try {
    const context = await setupBaseR(enc, recipient, info, { suite });
    return await context.open(aad, ct);
  } catch (e) {
    return failure(e);
  }
}
