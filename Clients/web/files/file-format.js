// The encrypted file format, version 1 (docs/file-format.md), on WebCrypto AES-256-GCM: a file is sealed chunk by
// chunk on the sender's device and opened chunk by chunk on the recipient's, in constant memory either way. The C#
// twin is Clients/Conclave.E2ee/Files; both pass tests/vectors/file-format.json (scripts/file-vectors.py).
//
//   // Sending: the length is known first (the tus Upload-Length), then the bytes come a record at a time.
//   const length = encryptedLengthOf(file);                      // with the same options as encryptFile
//   for await (const piece of encryptFile(file, fileKey, fileId)) upload(piece);   // head, then each chunk record
//
//   // Receiving: the manifest first, then each chunk's plaintext once its tag verified.
//   const { manifest, chunks } = await decryptFile((await fetch(url)).body, fileKey, fileId);
//   for await (const plaintext of chunks) write(plaintext);   // throws FileFormatError; discard all on error
//
// No DOM: works in a page or a worker. AES-GCM runs off the calling thread, SHA-256 on it (tens of milliseconds per
// 4 MiB chunk), so a worker keeps a page responsive with large files.

import { asBytes } from '../e2ee/header.js';
import { Sha256 } from './sha256.js';

/*
 Header (clear, 32 bytes), docs/file-format.md "Header"; all integers big-endian:
  0       4      5       6          8            12             20                24          32
  | magic | ver. | suite | reserved | chunk size | nonce prefix  | manifest length | size      |
  | CNCF  | 1    | 1     | 0        | u32        | 8 random bytes | u32            | u64       |
*/
export const MAGIC = Object.freeze([0x43, 0x4E, 0x43, 0x46]);   // "CNCF"
export const VERSION = 1;
/** Suite 1: AES-256-GCM, 12-byte nonce, 16-byte tag. */
export const SUITE_AES_256_GCM = 1;
export const HEADER_LENGTH = 32;
export const NONCE_PREFIX_LENGTH = 8;
export const TAG_LENGTH = 16;
export const FILE_KEY_LENGTH = 32;
export const MIN_CHUNK_SIZE = 64;
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
export const MIN_MANIFEST_LENGTH = 46;
export const MAX_MANIFEST_LENGTH = 1324;
/** The largest plaintext size: 2^53 - 1, every size a JavaScript number holds exactly. */
export const MAX_SIZE = Number.MAX_SAFE_INTEGER;
/** Record numbers are 4 bytes: at most 2^32 - 1 chunks (records 1 to n). */
export const MAX_CHUNK_COUNT = 0xFFFF_FFFF;
export const MAX_NAME_LENGTH = 1024;
export const MAX_MEDIA_TYPE_LENGTH = 255;
export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';
/** Manifest bytes besides the name and media type: version 1, two lengths 2 + 2, size 8, SHA-256 32. */
const MANIFEST_FIXED_LENGTH = 45;
const MANIFEST_VERSION = 1;

/** "Nonce and additional data": the 16 ASCII bytes that start every record's AAD. */
const AAD_LABEL = new TextEncoder().encode('Conclave file v1');
/** The file id the server knows the upload by: 1 to 64 of A–Z a–z 0–9 - _. */
const FILE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** What blob slices are read in when hashing or sealing: the chunk size, or a batch of small chunks. */
const READ_SIZE = 4 * 1024 * 1024;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });   // keeps a leading U+FEFF
const noop = () => {};

/**
 * The reader's errors, named as in docs/file-format.md "Decrypting".
 * @readonly
 * @enum {string}
 */
export const FileFormatErrorCode = Object.freeze({
  /** Wrong magic, version, suite, reserved bits, or a field out of range (record -1). */
  BadHeader: 'BadHeader',
  /** The manifest does not open under this key and file id: wrong key, wrong file, tampered header (record 0). */
  ManifestAuthenticationFailed: 'ManifestAuthenticationFailed',
  /** The manifest opened, but its fields break the rules or its size differs from the header's (record 0). */
  BadManifest: 'BadManifest',
  /** Chunk i does not open at position i (record i + 1). */
  ChunkAuthenticationFailed: 'ChunkAuthenticationFailed',
  /** The data ends before the last record does (the record cut short; -1 inside the header). */
  Truncated: 'Truncated',
  /** Bytes follow the last chunk (record n + 1). */
  TrailingData: 'TrailingData',
  /** Every chunk opened, but the plaintext's SHA-256 is not the manifest's (record n). */
  HashMismatch: 'HashMismatch',
});

/** Decryption failed: `code` is a {@link FileFormatErrorCode}, `record` the record number where (-1: the header). */
export class FileFormatError extends Error {
  /**
   * @param {FileFormatErrorCode} code
   * @param {number} record
   * @param {string} message
   */
  constructor(code, record, message) {
    super(`${code} at record ${record}: ${message}`);
    this.name = 'FileFormatError';
    /** @type {FileFormatErrorCode} */
    this.code = code;
    /** @type {number} */
    this.record = record;
  }
}

/**
 * @typedef {object} FileHeader
 * @property {number} chunkSize Plaintext bytes per chunk.
 * @property {Uint8Array} noncePrefix 8 bytes.
 * @property {number} manifestLength Plaintext bytes of the manifest.
 * @property {number} size Plaintext bytes of the file.
 * @property {number} chunkCount n = max(1, ceil(size / chunk size)).
 * @property {Uint8Array} bytes The 32 header bytes.
 */

/**
 * @typedef {object} FileManifest
 * @property {string} name The file name (no path).
 * @property {string} type The media type, printable ASCII; may be empty.
 * @property {number} size Plaintext bytes.
 * @property {Uint8Array} sha256 SHA-256 of the whole plaintext, 32 bytes.
 */

// ---- sizes ---------------------------------------------------------------------------------------------------

/** n = max(1, ceil(size / chunkSize)): an empty file has one empty chunk. */
export function chunkCount(size, chunkSize) {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/**
 * Bytes of the manifest of a file so named and typed (45 + L + T), for {@link encryptedLength}. Throws as
 * {@link encryptFile} would on a name or type it refuses.
 * @param {string} name
 * @param {string} [type] {@link DEFAULT_MEDIA_TYPE} when absent.
 */
export function manifestLength(name, type = DEFAULT_MEDIA_TYPE) {
  return MANIFEST_FIXED_LENGTH + nameBytes(name).length + typeBytes(type).length;
}

/**
 * "Total length": 32 + manifest length + 16 + size + 16 × n, the bytes of the encrypted file (the tus Upload-Length).
 * @param {number} size Plaintext bytes, 0 to 2^53 - 1.
 * @param {number} manifestLengthBytes From {@link manifestLength}.
 * @param {number} [chunkSize]
 * @returns {number}
 */
export function encryptedLength(size, manifestLengthBytes, chunkSize = DEFAULT_CHUNK_SIZE) {
  requireSize(size);
  requireChunkSize(chunkSize);
  if (!Number.isInteger(manifestLengthBytes) || manifestLengthBytes < MIN_MANIFEST_LENGTH || manifestLengthBytes > MAX_MANIFEST_LENGTH) {
    throw new RangeError(`manifest length ${manifestLengthBytes} is not ${MIN_MANIFEST_LENGTH} to ${MAX_MANIFEST_LENGTH}`);
  }
  const n = chunkCount(size, chunkSize);
  const length = HEADER_LENGTH + manifestLengthBytes + TAG_LENGTH + size + TAG_LENGTH * n;
  if (!Number.isSafeInteger(length)) throw new RangeError(`an encrypted length above 2^53 - 1 (size ${size})`);
  return length;
}

// ---- header and manifest -------------------------------------------------------------------------------------

/**
 * The 32 header bytes.
 * @param {{ chunkSize: number, noncePrefix: Uint8Array, manifestLength: number, size: number }} fields
 * @returns {Uint8Array}
 */
export function encodeHeader({ chunkSize, noncePrefix, manifestLength: length, size }) {
  requireChunkSize(chunkSize);
  requireSize(size);
  if (chunkCount(size, chunkSize) > MAX_CHUNK_COUNT) throw new RangeError(`${size} bytes need more than 2^32 - 1 chunks of ${chunkSize}`);
  if (!Number.isInteger(length) || length < MIN_MANIFEST_LENGTH || length > MAX_MANIFEST_LENGTH) throw new RangeError(`manifest length ${length}`);
  const prefix = asBytes(noncePrefix);
  if (prefix === null || prefix.length !== NONCE_PREFIX_LENGTH) throw new TypeError('the nonce prefix is not 8 bytes');
  const bytes = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  bytes[4] = VERSION;
  bytes[5] = SUITE_AES_256_GCM;
  view.setUint16(6, 0);
  view.setUint32(8, chunkSize);
  bytes.set(prefix, 12);
  view.setUint32(20, length);
  view.setUint32(24, Math.floor(size / 0x1_0000_0000));
  view.setUint32(28, size % 0x1_0000_0000);
  return bytes;
}

/**
 * Reads and checks the 32 header bytes ("A reader refuses any other magic, version, suite or reserved value, and any
 * field out of range", and a size needing more chunks than record numbers can count).
 * @param {Uint8Array} bytes
 * @returns {FileHeader}
 * @throws {FileFormatError} BadHeader, record -1
 */
export function decodeHeader(bytes) {
  const bad = (what) => new FileFormatError(FileFormatErrorCode.BadHeader, -1, what);
  if (!(bytes instanceof Uint8Array) || bytes.length !== HEADER_LENGTH) throw bad('not 32 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH);
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw bad('not CNCF');
  if (bytes[4] !== VERSION) throw bad(`version ${bytes[4]}`);
  if (bytes[5] !== SUITE_AES_256_GCM) throw bad(`suite ${bytes[5]}`);
  if (view.getUint16(6) !== 0) throw bad('reserved bits set');
  const chunkSize = view.getUint32(8);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) throw bad(`chunk size ${chunkSize}`);
  const length = view.getUint32(20);
  if (length < MIN_MANIFEST_LENGTH || length > MAX_MANIFEST_LENGTH) throw bad(`manifest length ${length}`);
  const high = view.getUint32(24);
  if (high > 0x1F_FFFF) throw bad('size above 2^53 - 1');
  const size = high * 0x1_0000_0000 + view.getUint32(28);
  const n = chunkCount(size, chunkSize);
  if (n > MAX_CHUNK_COUNT) throw bad(`${size} bytes need more than 2^32 - 1 chunks of ${chunkSize}`);
  return { chunkSize, noncePrefix: bytes.slice(12, 20), manifestLength: length, size, chunkCount: n, bytes: bytes.slice() };
}

/*
 Manifest (sealed, record 0), docs/file-format.md "Manifest"; 45 + L + T bytes, nothing after:
  | version 1 (1) | L (2) | name, UTF-8 (L) | T (2) | media type, ASCII (T) | size (8) | SHA-256 (32) |
*/

/**
 * The manifest's plaintext bytes.
 * @param {FileManifest} manifest
 * @returns {Uint8Array}
 */
export function encodeManifest({ name, type, size, sha256 }) {
  const n = nameBytes(name), t = typeBytes(type);
  requireSize(size);
  if (!(sha256 instanceof Uint8Array) || sha256.length !== 32) throw new TypeError('sha256 is not 32 bytes');
  const out = new Uint8Array(MANIFEST_FIXED_LENGTH + n.length + t.length);
  const view = new DataView(out.buffer);
  let at = 0;
  out[at++] = MANIFEST_VERSION;
  view.setUint16(at, n.length); at += 2;
  out.set(n, at); at += n.length;
  view.setUint16(at, t.length); at += 2;
  out.set(t, at); at += t.length;
  view.setUint32(at, Math.floor(size / 0x1_0000_0000)); view.setUint32(at + 4, size % 0x1_0000_0000); at += 8;
  out.set(sha256, at);
  return out;
}

/**
 * Reads the opened manifest and checks every rule of "Manifest", and that its size is the header's.
 * @param {Uint8Array} bytes
 * @param {number} headerSize
 * @returns {FileManifest}
 * @throws {FileFormatError} BadManifest, record 0
 */
export function decodeManifest(bytes, headerSize) {
  const bad = (what) => new FileFormatError(FileFormatErrorCode.BadManifest, 0, what);
  if (!(bytes instanceof Uint8Array) || bytes.length < MANIFEST_FIXED_LENGTH + 1) throw bad('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes[0] !== MANIFEST_VERSION) throw bad(`manifest version ${bytes[0]}`);
  const nameLength = view.getUint16(1);
  if (nameLength < 1 || nameLength > MAX_NAME_LENGTH) throw bad(`name length ${nameLength}`);
  if (3 + nameLength + 2 > bytes.length) throw bad('name past the end');
  const typeLength = view.getUint16(3 + nameLength);
  if (typeLength > MAX_MEDIA_TYPE_LENGTH) throw bad(`media type length ${typeLength}`);
  if (bytes.length !== MANIFEST_FIXED_LENGTH + nameLength + typeLength) throw bad(`${bytes.length} bytes for L = ${nameLength}, T = ${typeLength}`);
  let name;
  try {
    name = strictUtf8.decode(bytes.subarray(3, 3 + nameLength));   // refuses overlong forms, surrogates, cut sequences
  } catch {
    throw bad('the name is not UTF-8');
  }
  const problem = nameProblem(name);
  if (problem !== null) throw bad(problem);
  const typeAt = 5 + nameLength;
  let type = '';
  for (let i = typeAt; i < typeAt + typeLength; i++) {
    if (bytes[i] < 0x20 || bytes[i] > 0x7E) throw bad('the media type is not printable ASCII');
    type += String.fromCharCode(bytes[i]);
  }
  const sizeAt = typeAt + typeLength;
  const high = view.getUint32(sizeAt), low = view.getUint32(sizeAt + 4);
  if (high !== Math.floor(headerSize / 0x1_0000_0000) || low !== headerSize % 0x1_0000_0000) throw bad('its size is not the header\'s');
  return { name, type, size: headerSize, sha256: bytes.slice(sizeAt + 8) };
}

/** Why `name` is not a file name ("no /, \, NUL or other control characters, not . or .."), or null. */
function nameProblem(name) {
  if (name === '.' || name === '..') return `the name ${name}`;
  if (/[/\\\u0000-\u001F\u007F-\u009F]/.test(name)) return 'the name holds /, \\ or a control character';
  return null;
}

/** The UTF-8 name, checked; a RangeError or TypeError for one the format refuses. */
function nameBytes(name) {
  if (typeof name !== 'string') throw new TypeError('the file name is not a string');
  if (/\p{Cs}/u.test(name)) throw new RangeError('the file name holds a lone surrogate (not UTF-8)');
  const problem = nameProblem(name);
  if (problem !== null) throw new RangeError(problem);
  const bytes = encoder.encode(name);
  if (bytes.length < 1 || bytes.length > MAX_NAME_LENGTH) throw new RangeError(`a file name of ${bytes.length} UTF-8 bytes (1 to 1,024)`);
  return bytes;
}

/** The ASCII media type, checked. */
function typeBytes(type) {
  if (typeof type !== 'string') throw new TypeError('the media type is not a string');
  if (!/^[\x20-\x7E]*$/.test(type)) throw new RangeError('the media type is not printable ASCII');
  if (type.length > MAX_MEDIA_TYPE_LENGTH) throw new RangeError(`a media type of ${type.length} bytes (0 to 255)`);
  return encoder.encode(type);
}

function requireSize(size) {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size} is not 0 to 2^53 - 1`);
}

function requireChunkSize(chunkSize) {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size ${chunkSize} is not ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
  }
}

/** The file id's ASCII bytes, 1 to 64 of A–Z a–z 0–9 - _. */
function fileIdBytes(fileId) {
  if (typeof fileId !== 'string' || !FILE_ID.test(fileId)) throw new TypeError('the file id is not 1 to 64 of A-Z a-z 0-9 - _');
  return encoder.encode(fileId);
}

// ---- keys, nonces, additional data ----------------------------------------------------------------------------

/** A fresh random 256-bit file key (raw bytes: they are what the key wraps seal). */
export function newFileKey() {
  return crypto.getRandomValues(new Uint8Array(FILE_KEY_LENGTH));
}

/** A fresh file id: 22 characters of base64url for 16 random bytes. */
export function newFileId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * An AES-256-GCM CryptoKey for `usage` from 32 raw bytes (imported non-extractable) or a CryptoKey that is one.
 * @param {Uint8Array | ArrayBuffer | CryptoKey} key
 * @param {'encrypt' | 'decrypt'} usage
 * @returns {Promise<CryptoKey>}
 */
export async function importFileKey(key, usage) {
  const raw = checkFileKey(key, usage);
  return raw === null ? key : crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, [usage]);
}

/** The raw bytes of `key`, or null for a CryptoKey that fits; a TypeError for anything else. */
function checkFileKey(key, usage) {
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) {
    if (key.algorithm.name !== 'AES-GCM' || key.algorithm.length !== 256 || !key.usages.includes(usage)) {
      throw new TypeError(`the file key is not an AES-256-GCM key for ${usage}`);
    }
    return null;
  }
  const raw = asBytes(key);
  if (raw === null || raw.length !== FILE_KEY_LENGTH) throw new TypeError('the file key is not 32 bytes or an AES-256-GCM CryptoKey');
  return raw;
}

/**
 * "Nonce and additional data" for one file: nonce = prefix || record number; aad = "Conclave file v1" || header ||
 * file id length || file id || record number || last. Each call returns fresh arrays.
 */
class RecordParameters {
  #prefix;
  #aadStart;

  /** @param {Uint8Array} header @param {Uint8Array} fileId ASCII */
  constructor(header, fileId) {
    this.#prefix = header.slice(12, 20);
    this.#aadStart = concat(AAD_LABEL, header, Uint8Array.of(fileId.length), fileId);
  }

  /** AES-GCM parameters of record `record` (0: the manifest; i + 1: chunk i), `last` only for the last chunk. */
  for(record, last) {
    const iv = new Uint8Array(12);
    iv.set(this.#prefix, 0);
    new DataView(iv.buffer).setUint32(8, record);
    const additionalData = new Uint8Array(this.#aadStart.length + 5);
    additionalData.set(this.#aadStart, 0);
    new DataView(additionalData.buffer).setUint32(this.#aadStart.length, record);
    additionalData[additionalData.length - 1] = last ? 1 : 0;
    return { name: 'AES-GCM', iv, additionalData, tagLength: 8 * TAG_LENGTH };
  }
}

function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

// ---- encrypting ----------------------------------------------------------------------------------------------

/**
 * @typedef {object} EncryptOptions
 * @property {string} [name] The file name; a File's own name when absent.
 * @property {string} [type] The media type; the Blob's type, else {@link DEFAULT_MEDIA_TYPE}, when absent ('' is kept).
 * @property {number} [chunkSize] Plaintext bytes per chunk, 64 to 64 MiB; {@link DEFAULT_CHUNK_SIZE}.
 * @property {Uint8Array} [noncePrefix] 8 bytes, for test vectors only: a random prefix otherwise.
 * @property {boolean} [headLast] Yield the chunk records first and the head last (docs/files.md, "Head last"): the
 *   file is read once, hashed as it is sealed. The upload must tell the server the head's length ({@link headLengthOf}).
 */

/**
 * Encrypts `file` ("Layout"): yields the head (header || manifest record: the bytes whose SHA-256 each key wrap
 * signs), then each chunk record in order, {@link encryptedLength} bytes in all. Reads the file twice, a slice at a
 * time: once for the manifest's SHA-256, which comes before the chunks, then to seal them; with `headLast`, once, the
 * head coming after the records. Memory stays at a few chunks whatever the file's size. Arguments are checked at once
 * (TypeError, RangeError); reading and WebCrypto errors come from the generator.
 * @param {Blob | Uint8Array | ArrayBuffer} file
 * @param {Uint8Array | CryptoKey} key The 256-bit file key.
 * @param {string} fileId
 * @param {EncryptOptions} [options]
 * @returns {AsyncGenerator<Uint8Array, void, void>}
 */
export function encryptFile(file, key, fileId, options = {}) {
  const { input, name, type, chunkSize } = plan(file, options);
  const id = fileIdBytes(fileId);
  checkFileKey(key, 'encrypt');
  let prefix = crypto.getRandomValues(new Uint8Array(NONCE_PREFIX_LENGTH));
  if (options.noncePrefix !== undefined) {
    const given = asBytes(options.noncePrefix);
    if (given === null || given.length !== NONCE_PREFIX_LENGTH) throw new TypeError('the nonce prefix is not 8 bytes');
    prefix = given.slice();
  }
  return sealFile(input, key, id, { name, type, chunkSize, prefix, headLast: options.headLast === true });
}

/**
 * The bytes {@link encryptFile} gives for `file` with these `options` (its name, type and chunk size defaults
 * included): the tus Upload-Length, before anything is read.
 * @param {Blob | Uint8Array | ArrayBuffer} file
 * @param {EncryptOptions} [options]
 * @returns {number}
 */
export function encryptedLengthOf(file, options = {}) {
  const { input, name, type, chunkSize } = plan(file, options);
  return encryptedLength(input.size, manifestLength(name, type), chunkSize);
}

/**
 * The length of the head (header, manifest, tag) {@link encryptFile} gives for `file` with these `options`: the
 * tus `head-last` metadata of a head-last upload.
 * @param {Blob | Uint8Array | ArrayBuffer} file
 * @param {EncryptOptions} [options]
 * @returns {number}
 */
export function headLengthOf(file, options = {}) {
  const { name, type } = plan(file, options);
  return HEADER_LENGTH + manifestLength(name, type) + TAG_LENGTH;
}

/** The input and the manifest fields of {@link encryptFile}, defaults applied and checked. */
function plan(file, { name, type, chunkSize = DEFAULT_CHUNK_SIZE } = {}) {
  const input = FileInput.from(file);
  const isFile = typeof File !== 'undefined' && file instanceof File;
  const fields = {
    input,
    name: name ?? (isFile ? file.name : undefined),
    type: type ?? ((typeof Blob !== 'undefined' && file instanceof Blob && file.type) || DEFAULT_MEDIA_TYPE),
    chunkSize,
  };
  manifestLength(fields.name, fields.type);   // checks both
  requireChunkSize(chunkSize);
  requireSize(input.size);
  if (chunkCount(input.size, chunkSize) > MAX_CHUNK_COUNT) throw new RangeError(`${input.size} bytes need more than 2^32 - 1 chunks`);
  return fields;
}

/** {@link encryptFile} as a ReadableStream of the same pieces (for fetch bodies and pipes); cancel stops reading. */
export function encryptFileStream(file, key, fileId, options) {
  const pieces = encryptFile(file, key, fileId, options);
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await pieces.next();
      if (done) controller.close(); else controller.enqueue(value);
    },
    async cancel() { await pieces.return(undefined); },
  }, { highWaterMark: 0 });
}

async function* sealFile(input, rawKey, id, { name, type, chunkSize, prefix, headLast }) {
  const key = await importFileKey(rawKey, 'encrypt');
  const size = input.size;
  const hash = new Sha256();
  // The chunk records depend on the manifest's length only (their AAD holds the header), not on its SHA-256.
  const header = encodeHeader({ chunkSize, noncePrefix: prefix, manifestLength: manifestLength(name, type), size });
  const records = new RecordParameters(header, id);
  const sealHead = async () => {
    const manifest = encodeManifest({ name, type, size, sha256: hash.digest() });
    return concat(header, new Uint8Array(await crypto.subtle.encrypt(records.for(0, false), key, manifest)));
  };
  if (!headLast) {
    for await (const slice of input.slices(READ_SIZE)) hash.update(slice);
    yield await sealHead();
  }

  // One record sealing (off this thread) while the previous one is handed out, and the next slice being read.
  const n = chunkCount(size, chunkSize);
  const perSlice = Math.max(1, Math.floor(READ_SIZE / chunkSize));
  let i = 0;
  let pending = null;
  for await (const slice of input.slices(perSlice * chunkSize)) {
    for (let at = 0; at === 0 || at < slice.length; at += chunkSize) {   // an empty file: one empty slice, one chunk
      const plaintext = slice.subarray(at, at + chunkSize);
      if (headLast) hash.update(plaintext);
      const sealing = crypto.subtle.encrypt(records.for(i + 1, i === n - 1), key, plaintext);   // copies plaintext now
      sealing.catch(noop);   // awaited below; a consumer that stops early leaves it unobserved
      i++;
      if (pending !== null) yield new Uint8Array(await pending);
      pending = sealing;
    }
  }
  if (i !== n) throw new Error(`the file gave ${i} chunks, not ${n}: it changed while it was read`);
  yield new Uint8Array(await pending);
  if (headLast) yield await sealHead();
}

/** What {@link encryptFile} reads: a Blob (sliced, read asynchronously) or bytes in memory (viewed). */
class FileInput {
  #blob = null;
  #bytes = null;

  static from(file) {
    const input = new FileInput();
    if (typeof Blob !== 'undefined' && file instanceof Blob) {
      input.#blob = file;
    } else {
      input.#bytes = asBytes(file);
      if (input.#bytes === null) throw new TypeError('the file is not a Blob, an ArrayBuffer or a Uint8Array');
    }
    return input;
  }

  get size() { return this.#blob !== null ? this.#blob.size : this.#bytes.length; }

  /**
   * The whole content in slices of `sliceSize` bytes (the last shorter; one empty slice for an empty file), the next
   * one read while the caller works on the current.
   */
  async* slices(sliceSize) {
    const size = this.size;
    if (this.#bytes !== null) {
      for (let at = 0; at < size || at === 0; at += sliceSize) yield this.#bytes.subarray(at, at + sliceSize);
      return;
    }
    const read = async (at) => {
      const end = Math.min(size, at + sliceSize);
      const bytes = new Uint8Array(await this.#blob.slice(at, end).arrayBuffer());
      if (bytes.length !== end - at) throw new Error(`read ${bytes.length} bytes of the file at ${at}, expected ${end - at}`);
      return bytes;
    };
    let next = read(0);
    for (let at = 0; at < size || at === 0; at += sliceSize) {
      const slice = await next;
      if (at + sliceSize < size) { next = read(at + sliceSize); next.catch(noop); }
      yield slice;
    }
  }
}

// ---- decrypting ----------------------------------------------------------------------------------------------

/**
 * @typedef {object} OpenedFile
 * @property {FileHeader} header
 * @property {FileManifest} manifest Authenticated; its SHA-256 is checked after the last chunk.
 * @property {Uint8Array} head header || manifest record, as read (what each key wrap's signature covers by SHA-256).
 * @property {AsyncIterableIterator<Uint8Array>} chunks Each chunk's plaintext, in order, once its tag verified;
 *   the last one only once nothing follows it and the whole plaintext hashed to the manifest's SHA-256. Throws a
 *   {@link FileFormatError} (or the source's own error); everything yielded before must then be discarded. Leaving
 *   the loop early (break, return) cancels the source.
 * @property {(reason?: unknown) => Promise<void>} cancel Stops reading and cancels the source (idempotent), for a
 *   caller that only wanted the manifest.
 */

/**
 * @typedef {ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | ArrayBuffer> | Iterable<Uint8Array | ArrayBuffer>
 *   | Blob | Uint8Array | ArrayBuffer} CiphertextSource
 *   The encrypted file in pieces of any sizes: a fetch() body, a Blob, an async iterable.
 */

/**
 * Opens an encrypted file ("Decrypting"): reads the header, opens and checks the manifest, and returns them with a
 * generator of the chunks, which it reads, opens and hashes one at a time (constant memory: about two chunks, or
 * the source's own pieces if larger).
 *
 * `key` may be a function of the head (header || manifest record) and the parsed header that returns the key: the
 * key wraps are signed over SHA-256 of the head, so a recipient can check a wrap against the bytes it is reading
 * before it unwraps the key, without fetching them twice.
 * @param {CiphertextSource} source
 * @param {Uint8Array | CryptoKey | ((head: Uint8Array, header: FileHeader) => Promise<Uint8Array | CryptoKey>)} key
 * @param {string} fileId The id the server knows the upload by.
 * @returns {Promise<OpenedFile>}
 * @throws {FileFormatError} BadHeader, Truncated, ManifestAuthenticationFailed, BadManifest
 */
export async function decryptFile(source, key, fileId) {
  const id = fileIdBytes(fileId);
  let cryptoKey = typeof key === 'function' ? null : await importFileKey(key, 'decrypt');   // fails before any read
  const input = ByteSource.from(source);
  try {
    const headerBytes = await input.read(HEADER_LENGTH);
    if (headerBytes === null) throw new FileFormatError(FileFormatErrorCode.Truncated, -1, 'the data ends inside the header');
    const header = decodeHeader(headerBytes);
    const manifestRecord = await input.read(header.manifestLength + TAG_LENGTH);
    if (manifestRecord === null) throw new FileFormatError(FileFormatErrorCode.Truncated, 0, 'the data ends in the manifest record');
    const head = concat(header.bytes, manifestRecord);
    cryptoKey ??= await importFileKey(await key(head.slice(), header), 'decrypt');
    const records = new RecordParameters(header.bytes, id);
    let manifestBytes;
    try {
      manifestBytes = new Uint8Array(await crypto.subtle.decrypt(records.for(0, false), cryptoKey, head.subarray(HEADER_LENGTH)));
    } catch {
      throw new FileFormatError(FileFormatErrorCode.ManifestAuthenticationFailed, 0, 'the manifest does not open under this key and file id');
    }
    const manifest = decodeManifest(manifestBytes, header.size);
    const generator = openChunks(input, cryptoKey, records, header, manifest);
    const chunks = {
      next: () => generator.next(),
      // A generator that never started skips its finally: close the source here as well.
      return: async (value) => { const r = await generator.return(value); await input.close(); return r; },
      throw: async (error) => { await input.close(error); return generator.throw(error); },
      [Symbol.asyncIterator]() { return this; },
    };
    const cancel = (reason) => { generator.return(undefined).catch(noop); return input.close(reason); };
    return { header, manifest, head, chunks, cancel };
  } catch (e) {
    await input.close(e);
    throw e;
  }
}

/** The chunks of {@link decryptFile}: chunk i + 1 is read and its decryption started before chunk i is hashed. */
async function* openChunks(input, key, records, header, manifest) {
  const { chunkSize, size, chunkCount: n } = header;
  const lastLength = size - (n - 1) * chunkSize;
  /** Reads record i + 1 and starts opening it; the outcome (plaintext or error) is awaited later, in order. */
  const start = async (i) => {
    const last = i === n - 1;
    let opening;
    try {
      const record = await input.read((last ? lastLength : chunkSize) + TAG_LENGTH);
      if (record === null) throw new FileFormatError(FileFormatErrorCode.Truncated, i + 1, `the data ends inside chunk ${i}`);
      opening = crypto.subtle.decrypt(records.for(i + 1, last), key, record).then(   // copies record now
        (plaintext) => new Uint8Array(plaintext),
        () => { throw new FileFormatError(FileFormatErrorCode.ChunkAuthenticationFailed, i + 1, `chunk ${i} does not open at position ${i}`); });
    } catch (e) {
      opening = Promise.reject(e);
    }
    opening.catch(noop);   // awaited in order below, unless the consumer stops first
    return { opening };
  };
  try {
    const hash = new Sha256();
    let next = await start(0);
    for (let i = 0; i < n; i++) {
      const plaintext = await next.opening;
      if (i + 1 < n) next = await start(i + 1);
      hash.update(plaintext);
      if (i === n - 1) {
        // "after the last chunk, checks it and that nothing follows" (the end first, as the vectors order them).
        if (!(await input.atEnd())) throw new FileFormatError(FileFormatErrorCode.TrailingData, n + 1, 'bytes follow the last chunk');
        if (!equal(hash.digest(), manifest.sha256)) {
          throw new FileFormatError(FileFormatErrorCode.HashMismatch, n, 'the plaintext does not hash to the manifest\'s SHA-256');
        }
      }
      yield plaintext;
    }
  } finally {
    await input.close();
  }
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * The ciphertext as exact reads over pieces of any sizes. A read inside one piece is a view of it; one across pieces
 * is copied into a scratch buffer reused by the next read (WebCrypto copies its input when called, so a view only
 * lives until the next read).
 */
class ByteSource {
  #pull;             // () => Promise<unknown>: the next piece, or END
  #cancel;           // (reason) => Promise<void>
  #piece = EMPTY;    // what is left of the current piece
  #scratch = EMPTY;
  #closed = false;

  constructor(pull, cancel) { this.#pull = pull; this.#cancel = cancel; }

  /** @param {CiphertextSource} source */
  static from(source) {
    if (typeof Blob !== 'undefined' && source instanceof Blob) source = source.stream();
    if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
      const reader = source.getReader();
      return new ByteSource(async () => { const { done, value } = await reader.read(); return done ? END : value; },
        (reason) => reader.cancel(reason));
    }
    const bytes = asBytes(source);
    if (bytes !== null) {
      let given = false;
      return new ByteSource(async () => { if (given) return END; given = true; return bytes; }, async () => {});
    }
    const iterate = source == null || typeof source === 'string' ? undefined : source[Symbol.asyncIterator] ?? source[Symbol.iterator];
    if (typeof iterate === 'function') {
      const iterator = iterate.call(source);
      return new ByteSource(async () => { const { done, value } = await iterator.next(); return done ? END : value; },
        async () => { await iterator.return?.(); });
    }
    throw new TypeError('the encrypted file is not a ReadableStream, a Blob, bytes or an iterable of bytes');
  }

  /** The next non-empty piece, or null at the end. */
  async #next() {
    for (;;) {
      if (this.#closed) throw new TypeError('the encrypted file was cancelled');
      const value = await this.#pull();
      if (value === END) return null;
      const bytes = asBytes(value);
      if (bytes === null) throw new TypeError('the encrypted file gave a piece that is not bytes');
      if (bytes.length > 0) return bytes;
    }
  }

  /**
   * Exactly `n` bytes, or null if the data ends first.
   * @param {number} n
   * @returns {Promise<Uint8Array | null>}
   */
  async read(n) {
    const piece = this.#piece;
    if (piece.length >= n) {
      this.#piece = piece.subarray(n);
      return piece.subarray(0, n);
    }
    if (this.#scratch.length < n) this.#scratch = new Uint8Array(n);
    const out = this.#scratch.subarray(0, n);
    out.set(piece, 0);
    let filled = piece.length;
    this.#piece = EMPTY;
    while (filled < n) {
      const next = await this.#next();
      if (next === null) return null;
      const take = Math.min(n - filled, next.length);
      out.set(take === next.length ? next : next.subarray(0, take), filled);
      filled += take;
      if (take < next.length) this.#piece = next.subarray(take);
    }
    return out;
  }

  /** True when no byte is left. */
  async atEnd() {
    if (this.#piece.length > 0) return false;
    const next = await this.#next();
    if (next === null) return true;
    this.#piece = next;
    return false;
  }

  /** Cancels the source; once is enough. */
  async close(reason) {
    if (this.#closed) return;
    this.#closed = true;
    this.#piece = EMPTY;
    this.#scratch = EMPTY;
    try { await this.#cancel(reason); } catch { /* the source's own cancel failing changes nothing here */ }
  }
}

const END = Symbol('end');
