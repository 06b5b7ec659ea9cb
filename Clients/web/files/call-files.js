// Files shared into a call (docs/web-client.md, "Files"; docs/files.md; docs/file-format.md). A file is encrypted
// here, uploaded with tus (the vendored tus-js-client, resumable and retried), and its key wrapped to every device of
// the call's signed roster and of this user, signed by this device; the call is then told (`file-offer`). A
// participant told of a file (`file-offered`) reads its first bytes to learn its name and size, and downloads,
// checks and decrypts it chunk by chunk before saving it. The server only ever holds ciphertext and wraps.
//
//   const files = new CallFiles({ token, userId, identity, signaling, call: () => ({ room, sessionId, participants }) });
//   files.addEventListener('change', render);
//   await files.share(file);                // a File from the picker: encrypt, upload, wrap, PUT keys, file-offer
//   files.offered(event.detail);            // a `file-offered` event: lists the file, then reads its manifest
//   await files.download(fileId);           // from a click: decrypt, check, save (nothing is saved unless it is whole)
//   files.list;                             // what window.conclave.state().files shows
//
// The order of a send is SecureFiles.SendAsync's (Clients/Conclave.Client/Files): recipients first (a failure there
// sends no byte), then encrypt and upload, then the wraps (they sign the head, known once it is encrypted), then the
// keys, and only then the offer.

import { decodeDevicePublicKeys, encodeDevicePublicKeys } from '../e2ee/device-keys.js';
import {
  DEFAULT_MEDIA_TYPE, FileFormatError, HEADER_LENGTH, MAX_MANIFEST_LENGTH, TAG_LENGTH, decodeHeader, decryptFile, encryptFile, headLengthOf,
  encryptedLengthOf, importFileKey, newFileId, newFileKey,
} from './file-format.js';
import { deviceDigest, unwrapFileKey, wrapFileKey } from './file-key-wrap.js';

/** Where a file is, as `state().files[].status` says it. */
export const FileStatus = Object.freeze({
  Offered: 'offered', Uploading: 'uploading', Downloading: 'downloading', Saved: 'saved', Failed: 'failed',
});

/** Why a file failed, as `state().files[].error` says it (null when nothing went wrong). */
export const FileError = Object.freeze({
  /** The ciphertext does not decrypt (changed or damaged on the server or on the way): nothing was saved. */
  Tampered: 'tampered',
  /** The server holds no key for this device (it joined after the file was shared, or was left out). */
  NoKey: 'no-key',
  /** The key is not signed by any device of the file's owner, or not for this file's head: it is not used. */
  UntrustedKey: 'untrusted-key',
  /** Encrypting or uploading failed (or the server refused the keys). */
  UploadFailed: 'upload-failed',
  /** The file could not be fetched (the server refused, or the connection failed). */
  DownloadFailed: 'download-failed',
  /** Uploaded and shared, but the call was not told (`file-offer` failed): the file itself is fine. */
  NotAnnounced: 'not-announced',
});

/** Bytes per tus PATCH: the server's block size, so that each request stages whole blocks. */
export const UPLOAD_CHUNK_SIZE = 8 * 1024 * 1024;
/** The longest head (header || manifest record) a file can have: what is read to learn its name and size. */
export const MAX_HEAD_LENGTH = HEADER_LENGTH + MAX_MANIFEST_LENGTH + TAG_LENGTH;
/** Above this size, a download goes straight to a file the user picks, where the browser has showSaveFilePicker;
 *  below it (and wherever there is no picker, e.g. headless) it is gathered in a Blob, which the browser may keep on
 *  disk, and saved once whole. */
export const STREAM_TO_DISK_ABOVE = 256 * 1024 * 1024;
/** tus retries a failed request after each of these delays (ms), then gives up. */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000];
/** The most keys one `PUT /api/files/{id}/keys` carries (the server's limit per file). */
const MAX_KEYS_PER_REQUEST = 128;

/** A failure with one of the {@link FileError} codes. */
export class CallFileError extends Error {
  /** @param {string} code @param {string} [message] */
  constructor(code, message = code) {
    super(message);
    this.name = 'CallFileError';
    this.code = code;
  }
}

/**
 * @typedef {object} CallParticipant
 * @property {string} sessionId
 * @property {string} userId
 * @property {string} displayName
 * @property {string} devicePublicKeys Registered public keys, base64, as the roster carries them.
 * @property {boolean} signed Their join statement holds (docs/e2ee.md): only they get keys.
 */

/**
 * @typedef {object} CallFile What `state().files` lists, one per file (the contract of docs/web-client.md).
 * @property {string} fileId
 * @property {string | null} name From the sealed manifest (null until it is read).
 * @property {number | null} size Plaintext bytes, from the manifest.
 * @property {string} from The session id of the participant who shared it.
 * @property {'offered' | 'uploading' | 'downloading' | 'saved' | 'failed'} status
 * @property {number} progress 0 to 1, of the upload or download under way (or done).
 * @property {string | null} error A {@link FileError} code.
 * @property {string | null} sha256 Hex SHA-256 of the plaintext, once saved (checked against the sealed manifest).
 */

export class CallFiles extends EventTarget {
  #api; #token; #userId; #identity; #signaling; #call;
  #files = new Map();      // fileId → entry (the CallFile fields, and detail, length, owner, notified, skipped)
  #myDevice;               // Promise<string>: how the server names this device's wraps

  /**
   * @param {object} options
   * @param {string} options.token This device's bearer token.
   * @param {string} options.userId This device's user.
   * @param {import('../e2ee/device-identity.js').DeviceIdentity} options.identity This device (signs and opens wraps).
   * @param {{ request(message: object): Promise<object> }} options.signaling
   * @param {() => { room: string, sessionId: string, participants: CallParticipant[] }} options.call The call now.
   */
  constructor({ token, userId, identity, signaling, call }) {
    super();
    this.#token = token;
    this.#api = new FileApi(token);
    this.#userId = userId;
    this.#identity = identity;
    this.#signaling = signaling;
    this.#call = call;
    this.#myDevice = deviceDigest(encodeDevicePublicKeys(identity));
  }

  /** @returns {(CallFile & { length: number | null, notified: number | null, skipped: string[], detail: string | null, mine: boolean })[]} */
  get list() {
    return [...this.#files.values()].map((e) => ({
      fileId: e.fileId, name: e.name, size: e.size, from: e.from, status: e.status, progress: e.progress, error: e.error,
      sha256: e.sha256, length: e.length, notified: e.notified, skipped: [...e.skipped], detail: e.detail, mine: e.mine,
    }));
  }

  /**
   * Shares `file` into the call: encrypts it, uploads it, wraps its key to every device of the signed roster and of
   * this user, stores the keys, and tells the call. Resolves with the file id once done or failed (see the list).
   * @param {File} file
   * @returns {Promise<string>}
   */
  async share(file) {
    const call = this.#call();
    const fileId = newFileId();
    const entry = this.#add({ fileId, name: file.name, size: file.size, from: call.sessionId, owner: this.#userId, mine: true, status: FileStatus.Uploading });
    const fileKey = newFileKey();
    try {
      const type = /^[\x20-\x7E]{1,255}$/.test(file.type) ? file.type : DEFAULT_MEDIA_TYPE;
      const length = encryptedLengthOf(file, { type });   // refuses a name the format cannot carry, before any request
      entry.length = length;
      const { targets, skipped } = await this.#recipients(call);
      const head = await this.#upload(file, fileKey, fileId, { type, length }, (progress) => this.#update(entry, { progress }));
      const keys = [];
      for (const { userId, keys: recipientKeys, device } of targets) {
        keys.push({ userId, device, wrap: await wrapFileKey(this.#identity, { fileKey, fileId, head, userId, recipientKeys }) });
      }
      for (let i = 0; i < keys.length; i += MAX_KEYS_PER_REQUEST) await this.#api.putKeys(fileId, keys.slice(i, i + MAX_KEYS_PER_REQUEST));
      this.#update(entry, { status: FileStatus.Offered, progress: 1, skipped });
    } catch (error) {
      this.#update(entry, { status: FileStatus.Failed, error: FileError.UploadFailed, detail: describe(error) });
      return fileId;
    } finally {
      fileKey.fill(0);
    }
    try {
      const sent = await this.#signaling.request({ type: 'file-offer', room: call.room, fileId });
      this.#update(entry, { notified: typeof sent.notified === 'number' ? sent.notified : null });
    } catch (error) {
      this.#update(entry, { error: FileError.NotAnnounced, detail: describe(error) });
    }
    return fileId;
  }

  /**
   * A `file-offered` event ({ room, fileId, from, userId, length }): lists the file and reads its name and size.
   * Events for a file already listed change nothing.
   */
  offered({ fileId, from, userId, length }) {
    if (typeof fileId !== 'string' || this.#files.has(fileId)) return;
    const entry = this.#add({
      fileId, from: typeof from === 'string' ? from : null, owner: typeof userId === 'string' ? userId : null,
      length: Number.isSafeInteger(length) ? length : null, status: FileStatus.Offered,
    });
    this.#readManifest(entry);
  }

  /**
   * Downloads, checks and decrypts a listed file, chunk by chunk, and saves it only once the whole of it checked out:
   * to a file the user picks when it is large and the browser can (the picker opens at once, so call this from the
   * click), else as a Blob handed to the browser's downloads. A file that does not decrypt is `failed` with
   * `tampered`, and nothing of it is saved.
   * @param {string} fileId
   * @param {{ save?: (blob: Blob, name: string) => void }} [options] `save` replaces the download link (tests).
   * @returns {Promise<void>}
   */
  async download(fileId, { save = saveBlob } = {}) {
    const entry = this.#files.get(fileId);
    if (!entry || entry.status === FileStatus.Uploading || entry.status === FileStatus.Downloading) return;
    // Before any await: the picker needs the click's user activation.
    const destination = entry.size > STREAM_TO_DISK_ABOVE && typeof globalThis.showSaveFilePicker === 'function'
      ? globalThis.showSaveFilePicker({ suggestedName: entry.name ?? undefined }).then((handle) => handle.createWritable())
      : Promise.resolve(null);
    let writable = null;
    try {
      writable = await destination;
    } catch (error) {
      if (error?.name === 'AbortError') return;   // the user closed the picker: nothing changes
      writable = null;                            // no picker after all: a Blob
    }
    this.#update(entry, { status: FileStatus.Downloading, progress: 0, error: null, detail: null, sha256: null });
    let parts = [];
    try {
      const key = await this.#keyOf(entry);
      const response = await this.#api.content(fileId);
      const { manifest, chunks } = await decryptFile(response.body, key, fileId);
      this.#update(entry, { name: manifest.name, size: manifest.size });
      let done = 0;
      for await (const plaintext of chunks) {   // each one only once its tag verified; the last once the hash did
        if (writable !== null) await writable.write(plaintext);
        else parts.push(new Blob([plaintext]));
        done += plaintext.length;
        this.#update(entry, { progress: manifest.size > 0 ? done / manifest.size : 1 });
      }
      if (writable !== null) await writable.close();
      else save(new Blob(parts, { type: manifest.type || DEFAULT_MEDIA_TYPE }), manifest.name);
      this.#update(entry, { status: FileStatus.Saved, progress: 1, sha256: toHex(manifest.sha256) });
    } catch (error) {
      parts = [];
      await writable?.abort().catch(() => {});   // the picked file is left as it was: nothing of this one is written
      const { code, detail } = classify(error, FileError.DownloadFailed);
      this.#update(entry, { status: FileStatus.Failed, error: code, detail });
    }
  }

  // ---- sending ---------------------------------------------------------------------------------------------------

  /**
   * Whom to wrap to: for each user with a signed participant in the call, their registered devices whose keys are the
   * ones the signed roster holds (what their device signed for; a device of theirs not in the call gets nothing); and
   * every registered device of this user (as the CLI does), this device always. Users without such a device are named
   * in `skipped`.
   * @returns {Promise<{ targets: { userId: string, keys: string, device: string }[], skipped: string[] }>}
   */
  async #recipients(call) {
    const mine = toBase64(encodeDevicePublicKeys(this.#identity));
    const users = new Map([[this.#userId, { name: null, keys: new Set([mine]) }]]);
    for (const p of call.participants) {
      if (!p.signed || typeof p.userId !== 'string' || typeof p.devicePublicKeys !== 'string') continue;
      const keys = canonical(p.devicePublicKeys);
      if (keys === null) continue;
      if (!users.has(p.userId)) users.set(p.userId, { name: p.displayName, keys: new Set() });
      users.get(p.userId).keys.add(keys);
    }
    const targets = [], skipped = [];
    for (const [userId, { name, keys }] of users) {
      const own = userId === this.#userId;
      let registered = [];
      try {
        registered = (await this.#api.devices(userId)).devices ?? [];
      } catch (error) {
        if (own) throw error;
      }
      const chosen = new Set();
      for (const device of registered) {
        const bytes = canonical(device.publicKeys);
        if (bytes === null || chosen.has(bytes) || decodeDevicePublicKeys(bytes) === null) continue;
        if (!own && !keys.has(bytes)) continue;
        chosen.add(bytes);
      }
      if (own) chosen.add(mine);   // even before the server lists it
      if (chosen.size === 0) { skipped.push(name ?? userId); continue; }
      for (const bytes of chosen) targets.push({ userId, keys: bytes, device: await deviceDigest(bytes) });
    }
    return { targets, skipped };
  }

  /**
   * Encrypts `file` and uploads it with tus-js-client: one stream of records (file-format.js) read by tus in
   * UPLOAD_CHUNK_SIZE pieces, each PATCH retried on failure from the server's offset (tus keeps the current piece).
   * The head goes last (docs/files.md, "Head last"), so the file is read once. Resolves with the head (header ||
   * manifest record), which the wraps sign.
   */
  async #upload(file, fileKey, fileId, { type, length }, progress) {
    const tus = await loadTus();
    const pieces = encryptFile(file, fileKey, fileId, { type, headLast: true });
    const headLength = headLengthOf(file, { type });
    let head = null;
    const reader = {   // what tus-js-client reads a stream through (a ReadableStreamDefaultReader's shape)
      read: async () => {
        const { done, value } = await pieces.next();
        if (done) return { done: true, value: undefined };
        head = value.length === headLength ? value.slice() : null;   // the last piece is the head
        return { done: false, value };
      },
      cancel: () => { pieces.return(undefined).catch(() => {}); },
    };
    await new Promise((resolve, reject) => {
      const upload = new tus.Upload(reader, {
        endpoint: new URL('/api/uploads', location.href).href,
        uploadSize: length,
        chunkSize: UPLOAD_CHUNK_SIZE,
        // The only keys the server takes: names stay in the sealed manifest.
        metadata: { id: fileId, 'head-last': String(headLength) },
        headers: { Authorization: `Bearer ${this.#token}` },
        retryDelays: RETRY_DELAYS,
        storeFingerprintForResuming: false,
        onProgress: (sent, total) => progress(total > 0 ? Math.min(1, sent / total) : 0),
        onSuccess: () => resolve(),
        onError: (error) => reject(error),
      });
      upload.start();
    });
    if (head === null) throw new Error('the encryption ended without its head');
    const header = decodeHeader(head.subarray(0, HEADER_LENGTH));
    if (head.length !== HEADER_LENGTH + header.manifestLength + TAG_LENGTH) throw new Error('the encrypted head is not header and manifest');
    return head;
  }

  // ---- receiving -------------------------------------------------------------------------------------------------

  /** Reads the head of a listed file (a range request of MAX_HEAD_LENGTH bytes) to show its name and size. */
  async #readManifest(entry) {
    try {
      const key = await this.#keyOf(entry);
      const head = await readPrefix(await this.#api.content(entry.fileId, `bytes=0-${MAX_HEAD_LENGTH - 1}`), MAX_HEAD_LENGTH);
      const opened = await decryptFile(head, key, entry.fileId);
      await opened.cancel();
      this.#update(entry, { name: opened.manifest.name, size: opened.manifest.size });
    } catch (error) {
      const { code, detail } = classify(error, FileError.DownloadFailed);
      this.#update(entry, { status: FileStatus.Failed, error: code, detail });
    }
  }

  /**
   * The key of a file for decryptFile: a function of the head read, which opens this device's wrap only if one of the
   * owner's registered devices signed it over that head (FileKeyWrap's rule), and gives a non-extractable key.
   */
  async #keyOf(entry) {
    const { fileId } = entry;
    const file = await this.#api.file(fileId);
    if (!file.complete) throw new CallFileError(FileError.DownloadFailed, `still uploading (${file.offset} of ${file.length} bytes)`);
    this.#update(entry, { owner: file.owner, length: file.length });
    const device = await this.#myDevice;
    const mine = (file.keys ?? []).find((k) => k.userId === this.#userId && k.device === device);
    if (!mine) throw new CallFileError(FileError.NoKey);
    const signers = ((await this.#api.devices(file.owner)).devices ?? [])
      .map((d) => decodeDevicePublicKeys(d.publicKeys)?.signingPublicKey).filter(Boolean);
    return async (head) => {
      const opened = await unwrapFileKey(this.#identity, { wrap: mine.wrap, fileId, head, userId: this.#userId, senderSigningKeys: signers });
      if (opened === null) throw new CallFileError(FileError.UntrustedKey);
      try {
        return await importFileKey(opened.fileKey, 'decrypt');
      } finally {
        opened.fileKey.fill(0);
      }
    };
  }

  // ---- the list --------------------------------------------------------------------------------------------------

  #add(fields) {
    const entry = {
      fileId: null, name: null, size: null, from: null, owner: null, mine: false, status: FileStatus.Offered, progress: 0,
      error: null, detail: null, sha256: null, length: null, notified: null, skipped: [], ...fields,
    };
    this.#files.set(entry.fileId, entry);
    this.#changed();
    return entry;
  }

  #update(entry, fields) {
    Object.assign(entry, fields);
    this.#changed();
  }

  #changed() { this.dispatchEvent(new Event('change')); }
}

/** The `<a download>` way of saving: the browser's downloads get the Blob under the manifest's name. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);   // the download has started long before
}

/** The API calls of files, with the page's bearer token (docs/api.md, docs/files.md). */
class FileApi {
  #token;

  constructor(token) { this.#token = token; }

  /** GET /api/files/{id}: the FileDto (a recipient sees only their own keys). */
  file(id) { return this.#json(`/api/files/${encodeURIComponent(id)}`); }

  /** GET /api/users/{userId}/devices: { userId, displayName, devices: [{ deviceId, publicKeys }] }. */
  devices(userId) { return this.#json(`/api/users/${encodeURIComponent(userId)}/devices`); }

  /** PUT /api/files/{id}/keys. */
  putKeys(id, keys) {
    return this.#json(`/api/files/${encodeURIComponent(id)}/keys`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keys }),
    });
  }

  /** GET /api/files/{id}/content, whole or one range: the response, its body unread. */
  async content(id, range) {
    const response = await this.#fetch(`/api/files/${encodeURIComponent(id)}/content`, range ? { headers: { range } } : {});
    if (!response.ok) throw await httpError(response);
    return response;
  }

  async #json(path, init = {}) {
    const response = await this.#fetch(path, init);
    if (!response.ok) throw await httpError(response);
    return response.json();
  }

  #fetch(path, init) {
    return fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${this.#token}` }, cache: 'no-store' });
  }
}

async function httpError(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  return new CallFileError(FileError.DownloadFailed, `${response.status}${body?.code ? ` ${body.code}` : ''}${body?.message ? `: ${body.message}` : ''}`);
}

/** The first `n` bytes of a response body (fewer if it is shorter); the rest is not read. */
async function readPrefix(response, n) {
  const reader = response.body.getReader();
  const out = new Uint8Array(n);
  let filled = 0;
  try {
    while (filled < n) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(n - filled, value.length);
      out.set(value.subarray(0, take), filled);
      filled += take;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out.subarray(0, filled);
}

/** tus-js-client's browser build (Clients/web/vendor/tus, a classic script defining `tus`), loaded on first use. */
let tusLoading = null;
export function loadTus() {
  tusLoading ??= new Promise((resolve, reject) => {
    if (globalThis.tus?.Upload) { resolve(globalThis.tus); return; }
    const script = document.createElement('script');
    script.src = '/vendor/tus/tus.js';
    script.onload = () => (globalThis.tus?.Upload ? resolve(globalThis.tus) : reject(new Error('tus-js-client did not load')));
    script.onerror = () => reject(new Error('tus-js-client did not load'));
    document.head.append(script);
  }).catch((error) => { tusLoading = null; throw error; });
  return tusLoading;
}

/** The {@link FileError} code and a detail for an error. */
function classify(error, fallback) {
  if (error instanceof FileFormatError) return { code: FileError.Tampered, detail: error.code };
  if (error instanceof CallFileError) return { code: error.code, detail: error.message === error.code ? null : error.message };
  return { code: fallback, detail: describe(error) };
}

function describe(error) {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') return error.message ?? error.code ?? String(error);
  return String(error);
}

/** Base64 of the bytes `value` (base64) holds, in one spelling; null when it is not base64. */
function canonical(value) {
  if (typeof value !== 'string') return null;
  try { return toBase64(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))); } catch { return null; }
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function toHex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''); }
