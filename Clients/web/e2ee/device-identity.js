// The identity of this device (issue 5): an Ed25519 signing key pair, an X25519 key-agreement key pair and an X-Wing
// key pair (X25519 + ML-KEM-768, post-quantum hybrid), made on first use and kept in IndexedDB. The Ed25519 and X25519
// private keys are non-extractable WebCrypto keys: they never leave WebCrypto. The X-Wing private key is its 32-byte
// seed (draft-connolly-cfrg-xwing-kem-10 §5.1), stored as bytes: WebCrypto has no ML-KEM, so it cannot be a
// non-extractable CryptoKey, and script running on the page can read it (docs/security.md). Only the public halves are
// read out, to be registered with the server. Depends on hpke.js (and xwing.js, loaded when an identity is loaded);
// usable from a page or a worker.
//
//   const me = await loadDeviceIdentity();                  // the same keys on every load in this browser profile
//   me.signingPublicKey, me.agreementPublicKey, me.xwingPublicKey, me.fingerprint // to register and to show
//   const signature = await me.sign(bytes);                  // 64 bytes, Ed25519 (RFC 8032)
//   const ok = await verify(theirSigningKey, signature, bytes); // true or false; never throws
//   const r = await open(me.agreementKeyPair, enc, info, aad, ct); // hpke.js: what was sealed to agreementPublicKey
//   const x = await open(me.xwingDecapsulationKey, enc, info, aad, ct, { suite: Suites.XWingSha256Aes128Gcm });
//   await forgetDeviceIdentity();                           // the next load makes a new identity
//
// Storage: database `dbName` (default 'conclave-e2ee'; any version), object store 'device' (out-of-line keys), one record
// under the key 'identity'. A CryptoKey is stored by structured clone, which keeps it non-extractable: the stored
// record holds the keys, not their bytes (the X-Wing seed excepted). Two tabs loading at once for the first time both
// generate keys, then each stores its keys in a readwrite transaction that reads the record and writes only when it
// is absent; readwrite transactions on a store do not overlap, so the second one finds the first one's identity and
// both return that. A record made before X-Wing (no `xwingSeed`) is upgraded the same way: each loader draws a seed
// and, in one readwrite transaction, adds it only if the record still has none; all return the seed that was stored.

import { asBytes } from './hpke-core.js';
import { generateKeyPair, publicKeyOf } from './hpke.js';

/** The length of the X-Wing seed (the decapsulation key, §5.1) and of its public key. */
const XWING_SEED_LENGTH = 32;

/** The database of the web client's E2EE state, unless told otherwise. */
export const DEFAULT_DB_NAME = 'conclave-e2ee';

/** The object store of the device's own keys, and the key of its one record. */
export const STORE = 'device';
export const RECORD_KEY = 'identity';

/** The layout of the stored record; a record of another version is refused, not overwritten. */
export const RECORD_VERSION = 1;

const ED25519 = Object.freeze({ name: 'Ed25519' });
const PUBLIC_KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;

/**
 * What is stored in IndexedDB (and structured-cloned back).
 * @typedef {object} IdentityRecord
 * @property {number} version {@link RECORD_VERSION}.
 * @property {CryptoKey} signingPrivateKey Ed25519, usage sign, non-extractable.
 * @property {CryptoKey} signingPublicKeyObject Ed25519, usage verify (public: always extractable).
 * @property {Uint8Array} signingPublicKey Its raw 32 bytes (RFC 8032 §5.1.5).
 * @property {CryptoKey} agreementPrivateKey X25519, usage deriveBits, non-extractable.
 * @property {CryptoKey} agreementPublicKeyObject X25519, no usages.
 * @property {Uint8Array} agreementPublicKey Its raw 32 bytes (RFC 7748).
 * @property {Uint8Array} [xwingSeed] The X-Wing decapsulation key (its 32-byte seed); absent in records made before
 *   X-Wing, which {@link loadDeviceIdentity} upgrades.
 * @property {number} createdAt When the identity was made: milliseconds since the epoch (Date.now()).
 */

/** The stored identity is unusable: another version, or not what this module writes. */
export class DeviceIdentityError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'DeviceIdentityError';
  }
}

/**
 * This device's identity, as {@link loadDeviceIdentity} returns it. Immutable; the byte arrays are this object's own
 * copies.
 */
export class DeviceIdentity {
  /** @type {CryptoKey} */
  #signingKey;

  /**
   * @param {symbol} token Only this module constructs identities.
   * @param {IdentityRecord} record
   * @param {string} fingerprint
   * @param {import('./xwing.js').XWingDecapsulationKey | null} xwing The record's X-Wing key, expanded.
   */
  constructor(token, record, fingerprint, xwing) {
    if (token !== CONSTRUCT) throw new TypeError('use loadDeviceIdentity()');
    this.#signingKey = record.signingPrivateKey;
    /** The Ed25519 public key, 32 bytes: the identity key the server registers and rosters list. */
    this.signingPublicKey = record.signingPublicKey.slice();
    /** The X25519 public key, 32 bytes: others seal to it with HPKE (hpke.js `seal`). */
    this.agreementPublicKey = record.agreementPublicKey.slice();
    /**
     * The X25519 key pair for hpke.js `open` / `setupBaseR` (a KemKeyPair; the private key non-extractable).
     * @type {import('./hpke-dhkem.js').KemKeyPair}
     */
    this.agreementKeyPair = Object.freeze({
      privateKey: record.agreementPrivateKey,
      publicKey: record.agreementPublicKeyObject,
      publicKeyBytes: record.agreementPublicKey.slice(),
    });
    /**
     * The X-Wing encapsulation key, 1216 bytes: others seal to it with HPKE-X-Wing (hpke.js `seal` with
     * `{ suite: Suites.XWingSha256Aes128Gcm }`). Null only if the stored identity could not be given an X-Wing key.
     * @type {Uint8Array | null}
     */
    this.xwingPublicKey = xwing?.publicKey ?? null;
    /**
     * The expanded X-Wing key for hpke.js `open` / `setupBaseR` with the X-Wing suite (its key material is in private
     * fields; the seed it was expanded from is not a field of this object). Null when xwingPublicKey is.
     * @type {import('./xwing.js').XWingDecapsulationKey | null}
     */
    this.xwingDecapsulationKey = xwing;
    /** Lowercase hex of SHA-256(signingPublicKey): 64 characters, for logs and support; not the call's security code. */
    this.fingerprint = fingerprint;
    /** When this identity was made, in milliseconds since the epoch. */
    this.createdAt = record.createdAt;
    Object.freeze(this);
  }

  /**
   * Signs `bytes` with the device's Ed25519 key (pure Ed25519, RFC 8032 §5.1.6: no context, no prehash).
   * @param {BufferSource} bytes
   * @returns {Promise<Uint8Array>} 64 bytes.
   */
  async sign(bytes) {
    const data = asBytes(bytes);
    if (data === null) throw new TypeError('sign takes bytes (a Uint8Array, another view of an ArrayBuffer, or an ArrayBuffer)');
    return new Uint8Array(await crypto.subtle.sign(ED25519, this.#signingKey, data));
  }
}

const CONSTRUCT = Symbol('DeviceIdentity');

/**
 * Verifies an Ed25519 signature (RFC 8032 §5.1.7, as WebCrypto implements it) of `bytes` by the 32-byte public key
 * `publicKey`. Never throws and never rejects: a key or signature of the wrong length, a key that is not a point,
 * values that are not bytes, or a bad signature give false.
 * @param {BufferSource} publicKey 32 bytes.
 * @param {BufferSource} signature 64 bytes.
 * @param {BufferSource} bytes The signed message.
 * @returns {Promise<boolean>}
 */
export async function verify(publicKey, signature, bytes) {
  try {
    const pk = asBytes(publicKey);
    const sig = asBytes(signature);
    const data = asBytes(bytes);
    if (pk === null || sig === null || data === null) return false;
    if (pk.length !== PUBLIC_KEY_LENGTH || sig.length !== SIGNATURE_LENGTH) return false;
    const key = await crypto.subtle.importKey('raw', pk, ED25519, false, ['verify']);
    return (await crypto.subtle.verify(ED25519, key, sig, data)) === true;
  } catch {
    return false;
  }
}

/**
 * The identity of this device in database `dbName`: the stored one, or on first use a new one, stored before it is
 * returned. Concurrent first loads (in several tabs or workers of one profile) all return the same identity. A stored
 * identity without an X-Wing key (made before X-Wing) gets one, stored before it is returned, the same one for
 * concurrent loads; if it cannot be stored, the identity is returned without one (and upgraded on a later load).
 * Rejects when IndexedDB is unavailable (e.g. some private modes) or the stored record is unusable
 * ({@link DeviceIdentityError}: {@link forgetDeviceIdentity} replaces it, at the price of a new identity).
 * @param {{ dbName?: string }} [options]
 * @returns {Promise<DeviceIdentity>}
 */
export async function loadDeviceIdentity({ dbName = DEFAULT_DB_NAME } = {}) {
  const db = await openDatabase(dbName);
  try {
    let record = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(RECORD_KEY));
    if (record === undefined) record = await storeIfAbsent(db, await newRecord());
    if (needsXWingSeed(record)) {
      try {
        record = await addXWingSeedIfAbsent(db, crypto.getRandomValues(new Uint8Array(XWING_SEED_LENGTH)));
        if (record === undefined) record = await storeIfAbsent(db, await newRecord());   // forgotten meanwhile
      } catch (error) {
        // Not stored (quota, a closing database): this load goes without X-Wing; the next one tries again.
        if (!needsXWingSeed(record)) throw error;
      }
    }
    return await toIdentity(record);
  } finally {
    db.close();
  }
}

/**
 * Deletes this device's identity from database `dbName` (a user resetting the device): the next
 * {@link loadDeviceIdentity} makes a new one. Identities already loaded keep working until dropped. Resolves when the
 * deletion is committed; deleting an absent identity is not an error.
 * @param {{ dbName?: string }} [options]
 * @returns {Promise<void>}
 */
export async function forgetDeviceIdentity({ dbName = DEFAULT_DB_NAME } = {}) {
  const db = await openDatabase(dbName);
  try {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(RECORD_KEY);
    await committed(tx);
  } finally {
    db.close();
  }
}

/** A new identity: both key pairs generated, private keys non-extractable. Not stored yet. */
async function newRecord() {
  const [signing, agreement] = await Promise.all([
    crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']),
    generateKeyPair(),
  ]);
  const signingPublicKey = new Uint8Array(await crypto.subtle.exportKey('raw', signing.publicKey));
  return {
    version: RECORD_VERSION,
    signingPrivateKey: signing.privateKey,
    signingPublicKeyObject: signing.publicKey,
    signingPublicKey,
    agreementPrivateKey: agreement.privateKey,
    agreementPublicKeyObject: agreement.publicKey,
    agreementPublicKey: agreement.publicKeyBytes,
    xwingSeed: crypto.getRandomValues(new Uint8Array(XWING_SEED_LENGTH)),
    createdAt: Date.now(),
  };
}

/** Whether `record` is one this module wrote before X-Wing: the current layout without `xwingSeed`. */
function needsXWingSeed(record) {
  return record !== null && typeof record === 'object' && record.version === RECORD_VERSION && record.xwingSeed === undefined;
}

/**
 * Adds `seed` to the stored record if it still has no X-Wing seed, in one readwrite transaction (get, then put only
 * if needed: nothing else can write in between). Resolves, once the transaction commits, with the record that is
 * stored (with this seed, or with the one another loader added first), or undefined if there is none any more.
 * @param {IDBDatabase} db
 * @param {Uint8Array} seed
 * @returns {Promise<IdentityRecord | undefined>}
 */
async function addXWingSeedIfAbsent(db, seed) {
  const tx = db.transaction(STORE, 'readwrite');
  const store = tx.objectStore(STORE);
  let result;
  const read = store.get(RECORD_KEY);
  read.onsuccess = () => {
    result = read.result;
    if (needsXWingSeed(result)) {
      result = { ...result, xwingSeed: seed };
      store.put(result, RECORD_KEY);
    }
  };
  await committed(tx);
  return result;
}

/**
 * Stores `candidate` unless an identity is already there, in one readwrite transaction (get, then add only if
 * absent: nothing else can write in between). Resolves with the identity that is stored once the transaction commits.
 * @param {IDBDatabase} db
 * @param {IdentityRecord} candidate
 * @returns {Promise<IdentityRecord>}
 */
async function storeIfAbsent(db, candidate) {
  const tx = db.transaction(STORE, 'readwrite');
  const store = tx.objectStore(STORE);
  let result = candidate;
  const read = store.get(RECORD_KEY);
  read.onsuccess = () => {
    if (read.result !== undefined) result = read.result;
    else store.add(candidate, RECORD_KEY);
  };
  await committed(tx);
  return result;
}

/** Checks a stored record and makes the identity of it. */
async function toIdentity(record) {
  if (record === null || typeof record !== 'object' || record.version !== RECORD_VERSION) {
    throw new DeviceIdentityError(`the stored device identity has an unknown layout (version ${record?.version}); forgetDeviceIdentity() replaces it`);
  }
  const {
    signingPrivateKey, signingPublicKeyObject, signingPublicKey, agreementPrivateKey, agreementPublicKeyObject, agreementPublicKey, xwingSeed,
  } = record;
  const isKey = (k, type, name) => k instanceof CryptoKey && k.type === type && k.algorithm.name === name;
  if (!isKey(signingPrivateKey, 'private', 'Ed25519') || !isKey(signingPublicKeyObject, 'public', 'Ed25519')
      || !isKey(agreementPrivateKey, 'private', 'X25519') || !isKey(agreementPublicKeyObject, 'public', 'X25519')
      || !(signingPublicKey instanceof Uint8Array) || signingPublicKey.length !== PUBLIC_KEY_LENGTH
      || !(agreementPublicKey instanceof Uint8Array) || agreementPublicKey.length !== PUBLIC_KEY_LENGTH
      || (xwingSeed !== undefined && !(xwingSeed instanceof Uint8Array && xwingSeed.length === XWING_SEED_LENGTH))
      || typeof record.createdAt !== 'number') {
    throw new DeviceIdentityError('the stored device identity is malformed; forgetDeviceIdentity() replaces it');
  }
  // The stored public key bytes must be those of the stored private key (X25519(sk, 9)): a cheap guard against a
  // record that was tampered with or half-written by a buggy version.
  if (!equalBytes(await publicKeyOf(agreementPrivateKey), agreementPublicKey)) {
    throw new DeviceIdentityError('the stored key-agreement public key does not match its private key; forgetDeviceIdentity() replaces it');
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', signingPublicKey));
  const fingerprint = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  // The seed is the X-Wing key; its expansion (SHAKE256, ML-KEM-768 key generation) is kept for every open.
  const xwing = xwingSeed === undefined ? null : await (await import('./xwing.js')).expandDecapsulationKey(xwingSeed);
  return new DeviceIdentity(CONSTRUCT, record, fingerprint, xwing);
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Opens database `dbName` at whatever version it has, creating the 'device' store on first use (by a version upgrade,
 * so other stores of the same database, at any version, are left alone). The connection closes itself when another
 * one asks for a new version, so it never blocks an upgrade or a deletion of the database.
 * @param {string} dbName
 * @returns {Promise<IDBDatabase>}
 */
async function openDatabase(dbName) {
  if (typeof dbName !== 'string' || dbName.length === 0) throw new TypeError('dbName must be a non-empty string');
  if (typeof indexedDB === 'undefined') throw new DeviceIdentityError('IndexedDB is not available here');
  let version;                                                  // the current version first
  for (let attempt = 0; attempt < 5; attempt++) {
    let db;
    try {
      db = await openVersion(dbName, version);
    } catch (e) {
      // Another tab upgraded past `version` in the meantime: open it at its version and look again.
      if (e?.name === 'VersionError' && version !== undefined) { version = undefined; continue; }
      throw e;
    }
    if (db.objectStoreNames.contains(STORE)) return db;
    version = db.version + 1;
    db.close();
  }
  throw new DeviceIdentityError(`could not create the '${STORE}' store in database ${dbName}`);
}

/** indexedDB.open(dbName, version), creating the store in an upgrade. */
function openVersion(dbName, version) {
  return new Promise((resolve, reject) => {
    const req = version === undefined ? indexedDB.open(dbName) : indexedDB.open(dbName, version);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = () => reject(req.error);
  });
}

/** The result of an IDBRequest. */
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves when `tx` commits; rejects when it fails or is aborted. */
function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('the transaction was aborted', 'AbortError'));
  });
}
