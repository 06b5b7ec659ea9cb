// HPKE (RFC 9180) base mode for the web client, on WebCrypto only: DHKEM(X25519, HKDF-SHA256) (kem_id 0x0020),
// HKDF-SHA256 (kdf_id 0x0001), AES-128-GCM (aead_id 0x0001). No dependencies; usable from a page or a worker.
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

import {
  EMPTY, HPKE_SUITE_ID, HpkeError, HpkeErrorCode, Mode, Suite, concat, importPrk, labeledExpand, labeledExtract,
  requireBytes,
} from './hpke-core.js';
import { decap, encap } from './hpke-dhkem.js';

export {
  HPKE_SUITE_ID, HpkeError, HpkeErrorCode, KEM_SUITE_ID, Mode, Suite, concat, expand, extract, i2osp, labeledExpand,
  labeledExtract,
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
 * @typedef {object} KeyScheduleSecrets
 * @property {Uint8Array} keyScheduleContext mode || psk_id_hash || info_hash (65 bytes).
 * @property {Uint8Array} secret             LabeledExtract(shared_secret, "secret", psk), Nh bytes.
 * @property {Uint8Array} key                The AEAD key, Nk = 16 bytes.
 * @property {Uint8Array} baseNonce          Nn = 12 bytes.
 * @property {Uint8Array} exporterSecret     Nh = 32 bytes.
 */

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
 * KeySchedule<ROLE>(mode_base, shared_secret, info, psk = "", psk_id = "") of RFC 9180 §5.1, up to the context:
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
 * @param {Uint8Array} info
 * @returns {Promise<KeyScheduleSecrets>}
 */
export async function keyScheduleSecrets(sharedSecret, info) {
  const ss = requireBytes(sharedSecret, 'shared_secret');
  const infoBytes = requireBytes(info, 'info');
  if (ss.length !== Suite.nsecret) throw new HpkeError(HpkeErrorCode.InvalidArgument, `shared_secret must be ${Suite.nsecret} bytes`);
  try {
    const [pskIdHash, infoHash] = await Promise.all([
      labeledExtract(HPKE_SUITE_ID, EMPTY, 'psk_id_hash', EMPTY),
      labeledExtract(HPKE_SUITE_ID, EMPTY, 'info_hash', infoBytes),
    ]);
    const keyScheduleContext = concat(Uint8Array.of(Mode.Base), pskIdHash, infoHash);
    const secret = await labeledExtract(HPKE_SUITE_ID, ss, 'secret', EMPTY);
    const [key, baseNonce, exporterSecret] = await Promise.all([
      labeledExpand(HPKE_SUITE_ID, secret, 'key', keyScheduleContext, Suite.nk),
      labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', keyScheduleContext, Suite.nn),
      labeledExpand(HPKE_SUITE_ID, secret, 'exp', keyScheduleContext, Suite.nh),
    ]);
    return { keyScheduleContext, secret, key, baseNonce, exporterSecret };
  } finally {
    ss.fill(0);
  }
}

/**
 * KeyScheduleS / KeyScheduleR (RFC 9180 §5.1) in base mode: the encryption context of `role`. The AEAD key is imported
 * non-extractable for its one direction, the exporter_secret as a non-extractable HMAC key; the raw secrets are wiped.
 * @param {Role} role
 * @param {Uint8Array} sharedSecret Nsecret = 32 bytes, from {@link encap} or {@link decap}.
 * @param {Uint8Array} info
 * @param {{ seq?: bigint | number }} [options] The first sequence number: 0. Anything else only to resume a context
 *   whose used numbers are known (never reuse one: nonces would repeat), or in tests.
 * @returns {Promise<HpkeContext>}
 */
export async function keySchedule(role, sharedSecret, info, { seq = 0n } = {}) {
  if (role !== Role.Sender && role !== Role.Recipient) throw new HpkeError(HpkeErrorCode.InvalidArgument, "role must be 'sender' or 'recipient'");
  const first = toSeq(seq);
  const { secret, key, baseNonce, exporterSecret } = await keyScheduleSecrets(sharedSecret, info);
  try {
    const [aead, exporter] = await Promise.all([
      crypto.subtle.importKey('raw', key, 'AES-GCM', false, [role === Role.Sender ? 'encrypt' : 'decrypt']),
      importPrk(exporterSecret),
    ]);
    return new HpkeContext(CONSTRUCT, role, aead, baseNonce, exporter, first);
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
  #role; #aead; #baseNonce; #exporter; #seq;
  /** @type {Promise<unknown>} the recipient's queue of opens */
  #tail = Promise.resolve();

  /** @private Use keySchedule, setupBaseS or setupBaseR. */
  constructor(token, role, aead, baseNonce, exporter, seq) {
    if (token !== CONSTRUCT) throw new TypeError('use keySchedule, setupBaseS or setupBaseR');
    this.#role = role; this.#aead = aead; this.#baseNonce = baseNonce.slice(); this.#exporter = exporter; this.#seq = seq;
  }

  /** @returns {Role} */
  get role() { return this.#role; }

  /** The sequence number of the next message (RFC 9180 §5.2). */
  get seq() { return this.#seq; }

  /**
   * ContextS.Seal(aad, pt) (RFC 9180 §5.2): AES-128-GCM with nonce = ComputeNonce(seq), then seq + 1. Returns the
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
      pt = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, this.#aead, ct));
    } catch {
      return failure(new HpkeError(HpkeErrorCode.OpenError, 'the ciphertext did not authenticate (RFC 9180 §5.2 OpenError)'));
    }
    this.#seq += 1n;
    return { ok: true, pt };
  }

  /**
   * Context.Export(exporter_context, L) (RFC 9180 §5.3): LabeledExpand(exporter_secret, "sec", exporter_context, L).
   * Throws a RangeError when L > 255 * Nh = 8160 (§5.3: "MUST ... reject"), an HpkeError for a context that is not bytes.
   * @param {Uint8Array} exporterContext
   * @param {number} length L
   * @returns {Promise<Uint8Array>}
   */
  async export(exporterContext, length) {
    const context = requireBytes(exporterContext, 'exporter_context');
    return labeledExpand(HPKE_SUITE_ID, this.#exporter, 'sec', context, length);
  }
}

/** An open's failure result from an error. */
function failure(e) {
  if (e instanceof HpkeError) return { ok: false, error: e.code, message: e.message };
  return { ok: false, error: HpkeErrorCode.InvalidArgument, message: String(e?.message ?? e) };
}

/**
 * SetupBaseS(pkR, info) (RFC 9180 §5.1.1): Encap(pkR), then KeyScheduleS. `ikmE` is for the test vectors only (see
 * {@link encap}). Throws an HpkeError (InvalidArgument, ValidationError) for a public key that cannot be used.
 * @param {CryptoKey | Uint8Array} recipientPublicKey pkR: a CryptoKey, or serialized (32 bytes).
 * @param {Uint8Array} info
 * @param {{ ikmE?: Uint8Array }} [options]
 * @returns {Promise<{ enc: Uint8Array, context: HpkeContext }>}
 */
export async function setupBaseS(recipientPublicKey, info, { ikmE } = {}) {
  const infoBytes = requireBytes(info, 'info');
  const { sharedSecret, enc } = await encap(recipientPublicKey, { ikmE });
  try {
    return { enc, context: await keySchedule(Role.Sender, sharedSecret, infoBytes) };
  } finally {
    sharedSecret.fill(0);
  }
}

/**
 * SetupBaseR(enc, skR, info) (RFC 9180 §5.1.1): Decap(enc, skR), then KeyScheduleR. Throws an HpkeError:
 * DeserializeError (enc not 32 bytes), ValidationError (enc a low-order point), InvalidArgument (unusable key or info).
 * A wrong or tampered enc gives a context whose opens fail with OpenError.
 * @param {Uint8Array} enc
 * @param {import('./hpke-dhkem.js').RecipientKey} recipient skR, with pkR or without (then computed).
 * @param {Uint8Array} info
 * @returns {Promise<HpkeContext>}
 */
export async function setupBaseR(enc, recipient, info) {
  const infoBytes = requireBytes(info, 'info');
  const sharedSecret = await decap(enc, recipient);
  try {
    return await keySchedule(Role.Recipient, sharedSecret, infoBytes);
  } finally {
    sharedSecret.fill(0);
  }
}

/**
 * Single-shot Seal (RFC 9180 §6.1): SetupBaseS(pkR, info), then one Seal(aad, pt) at sequence number 0.
 * Throws an HpkeError for a recipient public key that cannot be used or inputs that are not bytes.
 * @param {CryptoKey | Uint8Array} recipientPublicKey pkR: a CryptoKey, or serialized (32 bytes).
 * @param {Uint8Array} info
 * @param {Uint8Array} aad
 * @param {Uint8Array} pt
 * @param {{ ikmE?: Uint8Array }} [options] For the test vectors only.
 * @returns {Promise<{ enc: Uint8Array, ct: Uint8Array }>}
 */
export async function seal(recipientPublicKey, info, aad, pt, { ikmE } = {}) {
  const a = requireBytes(aad, 'aad'), p = requireBytes(pt, 'pt');
  const { enc, context } = await setupBaseS(recipientPublicKey, info, { ikmE });
  return { enc, ct: await context.seal(a, p) };
}

/**
 * Single-shot Open (RFC 9180 §6.1): SetupBaseR(enc, skR, info), then one Open(aad, ct) at sequence number 0.
 * Never throws and never rejects: hostile input (enc of the wrong length or a low-order point, a tampered enc, ct, aad
 * or info, values that are not bytes) and an unusable recipient key give `{ ok: false, error, message }`.
 * @param {import('./hpke-dhkem.js').RecipientKey} recipient skR: a key pair (private key possibly non-extractable), a
 *   private CryptoKey alone, or 32 private key bytes.
 * @param {Uint8Array} enc
 * @param {Uint8Array} info
 * @param {Uint8Array} aad
 * @param {Uint8Array} ct
 * @returns {Promise<OpenResult>}
 */
export async function open(recipient, enc, info, aad, ct) {
  try {
    const context = await setupBaseR(enc, recipient, info);
    return await context.open(aad, ct);
  } catch (e) {
    return failure(e);
  }
}
