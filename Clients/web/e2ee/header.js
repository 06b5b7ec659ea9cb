// The SFrame header (RFC 9605 §4.3): a config byte, then the KID and the CTR as compact big-endian integers.
// KID and CTR are unsigned 64-bit values, so they are BigInts here (a Number loses precision above 2^53).
//
//     0 1 2 3 4 5 6 7
//    +-+-+-+-+-+-+-+-+------------+------------+
//    |X|  K  |Y|  C  |   KID...   |   CTR...   |
//    +-+-+-+-+-+-+-+-+------------+------------+
//
// X = 0: K is the KID (0-7).  X = 1: K is the KID's length in bytes minus one (1-8 bytes follow).
// Y and C do the same for the CTR, whose bytes follow the KID's.

/** The largest KID or CTR: 2^64 - 1 (RFC 9605 §4.3, a 3-bit length field counts 1-8 bytes). */
export const MAX_UINT64 = 0xFFFF_FFFF_FFFF_FFFFn;

/** The longest SFrame header: the config byte, an 8-byte KID and an 8-byte CTR. */
export const MAX_HEADER_LENGTH = 17;

/**
 * A KID or CTR as a BigInt in [0, 2^64 - 1]; throws RangeError or TypeError otherwise. Accepts a BigInt or a
 * non-negative safe integer Number. For the control plane (configuring keys); the data plane never calls it on
 * received bytes.
 * @param {bigint | number} value
 * @param {string} [what] The name used in the error message.
 * @returns {bigint}
 */
export function toUint64(value, what = 'value') {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer or a BigInt, not ${value}`);
    return BigInt(value);
  }
  if (typeof value !== 'bigint') throw new TypeError(`${what} must be a BigInt or a Number, not ${typeof value}`);
  if (value < 0n || value > MAX_UINT64) throw new RangeError(`${what} ${value} is outside [0, 2^64 - 1] (RFC 9605 §4.3)`);
  return value;
}

/** Bytes needed for v ≥ 8 in the minimum number of bytes (RFC 9605 §4.3: "MUST be encoded with the minimum number of bytes"). */
function byteLength(v) {
  let n = 1;
  while (v > 0xFFn) { v >>= 8n; n++; }
  return n;
}

/**
 * The length of the header for (kid, ctr), in bytes (1 to 17). RFC 9605 §4.3.
 * @param {bigint | number} kid
 * @param {bigint | number} ctr
 * @returns {number}
 */
export function headerLength(kid, ctr) {
  const k = toUint64(kid, 'KID'), c = toUint64(ctr, 'CTR');
  return 1 + (k < 8n ? 0 : byteLength(k)) + (c < 8n ? 0 : byteLength(c));
}

/**
 * Writes the header for (kid, ctr) into `dst` at `offset` and returns the number of bytes written, or -1 (and writes
 * nothing) when `dst` is too short. Values 0-7 go in the config byte, larger ones in the fewest bytes (RFC 9605 §4.3).
 * Throws RangeError when kid or ctr is outside [0, 2^64 - 1].
 * @param {Uint8Array} dst
 * @param {number} offset
 * @param {bigint | number} kid
 * @param {bigint | number} ctr
 * @returns {number}
 */
export function writeHeader(dst, offset, kid, ctr) {
  const k = toUint64(kid, 'KID'), c = toUint64(ctr, 'CTR');
  const kidBytes = k < 8n ? 0 : byteLength(k);
  const ctrBytes = c < 8n ? 0 : byteLength(c);
  const length = 1 + kidBytes + ctrBytes;
  if (!(dst instanceof Uint8Array) || !Number.isInteger(offset) || offset < 0 || offset + length > dst.length) return -1;
  // RFC 9605 §4.3: X|K in the high nibble, Y|C in the low one; K and C hold the value, or the byte count minus one.
  const high = kidBytes === 0 ? Number(k) : 0x8 | (kidBytes - 1);
  const low = ctrBytes === 0 ? Number(c) : 0x8 | (ctrBytes - 1);
  dst[offset] = (high << 4) | low;
  writeBigEndian(dst, offset + 1, k, kidBytes);
  writeBigEndian(dst, offset + 1 + kidBytes, c, ctrBytes);
  return length;
}

/**
 * The header for (kid, ctr) as a new array. RFC 9605 §4.3. Throws RangeError when kid or ctr is outside [0, 2^64 - 1].
 * @param {bigint | number} kid
 * @param {bigint | number} ctr
 * @returns {Uint8Array}
 */
export function encodeHeader(kid, ctr) {
  const header = new Uint8Array(headerLength(kid, ctr));
  writeHeader(header, 0, kid, ctr);
  return header;
}

/**
 * @typedef {object} SFrameHeader
 * @property {bigint} kid    The key ID.
 * @property {bigint} ctr    The counter.
 * @property {number} length The header's length in bytes; the AEAD ciphertext starts there.
 */

/**
 * Reads the header at the start of `bytes` (at `offset`). Never throws: returns null when the bytes are not a
 * header — too short for the lengths the config byte announces, a value of 0-7 sent in extended form, or a value
 * with a leading zero byte (RFC 9605 §4.3 requires the minimum number of bytes, so there is one encoding per
 * (KID, CTR) and the authenticated header cannot be rewritten into another form), or not bytes at all.
 * @param {Uint8Array | ArrayBuffer | ArrayBufferView} bytes
 * @param {number} [offset]
 * @returns {SFrameHeader | null}
 */
export function decodeHeader(bytes, offset = 0) {
  const p = asBytes(bytes);
  if (p === null || !Number.isSafeInteger(offset) || offset < 0 || offset >= p.length) return null;
  const config = p[offset];
  let at = offset + 1;
  const kid = readField(p, at, config >> 4);
  if (kid === null) return null;
  at += kid.size;
  const ctr = readField(p, at, config & 0x0F);
  if (ctr === null) return null;
  at += ctr.size;
  return { kid: kid.value, ctr: ctr.value, length: at - offset };
}

/** One KID or CTR from its nibble (flag + 3 bits) and the bytes after; null when truncated or not minimal. */
function readField(p, at, nibble) {
  if ((nibble & 0x8) === 0) return { value: BigInt(nibble), size: 0 };
  const size = (nibble & 0x7) + 1;
  if (at + size > p.length) return null;
  if (p[at] === 0) return null;                               // leading zero byte: not the minimum number of bytes
  let value = 0n;
  for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(p[at + i]);
  if (value < 8n) return null;                                // 0-7 belong in the config byte
  return { value, size };
}

function writeBigEndian(dst, offset, value, size) {
  for (let i = size - 1; i >= 0; i--) {
    dst[offset + i] = Number(value & 0xFFn);
    value >>= 8n;
  }
}

/**
 * A Uint8Array view of `value` (no copy) when it is an ArrayBuffer or a view of one, else null. Never throws.
 * @param {unknown} value
 * @returns {Uint8Array | null}
 */
export function asBytes(value) {
  try {
    if (value instanceof Uint8Array && value.buffer instanceof ArrayBuffer) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    // WebCrypto takes no views of a SharedArrayBuffer: another thread could change the bytes while they are read.
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  } catch {
    // A detached buffer, or a proxy whose traps throw: not bytes.
  }
  return null;
}
