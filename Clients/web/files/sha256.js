// Incremental SHA-256 (FIPS 180-4 §6.2; the same function as FIPS 180-2) for the encrypted file format
// (docs/file-format.md): the manifest holds the SHA-256 of the whole plaintext, which a reader checks after the last
// chunk without keeping the file, and a writer computes over a Blob it reads a slice at a time. WebCrypto's
// crypto.subtle.digest is one-shot only, and the vendored noble libraries hold no SHA-2, so this is the only SHA-256
// in JavaScript here; everything else uses WebCrypto.
//
//   const h = new Sha256();
//   h.update(piece1); h.update(piece2);      // any sizes, any number of times
//   const digest = h.digest();               // 32 bytes; the object is finished afterwards
//
// No dependencies. Checked against FIPS 180-2 Appendix B and crypto.subtle.digest in FileFormatVectorTests.

/** Bytes of a SHA-256 digest. */
export const DIGEST_LENGTH = 32;

/** Bytes of a SHA-256 message block (FIPS 180-4 §5.2.1). */
export const BLOCK_LENGTH = 64;

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** FIPS 180-4 §5.3.3: the initial hash value H(0). */
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/**
 * FIPS 180-4 §6.2.2 on the 64-byte block at `data[offset]`: updates `state` (8 words). `w` is the 64-word message
 * schedule, reused. All arithmetic is on int32 (`| 0`), which V8 keeps unboxed. One block per call on purpose: a
 * loop over many blocks in here runs as on-stack-replaced code that deoptimizes at its end on every call, four to
 * five times slower in V8.
 * @param {Int32Array} state
 * @param {Int32Array} w
 * @param {Uint8Array} data
 * @param {number} offset
 */
function compress(state, w, data, offset) {
  // Step 1: W_t = M_t (big-endian words) for t < 16, then σ1(W_t-2) + W_t-7 + σ0(W_t-15) + W_t-16 (§4.1.2).
  for (let t = 0; t < 16; t++, offset += 4) {
    w[t] = (data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15], y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (s1 + w[t - 7] + s0 + w[t - 16]) | 0;
  }
  // Steps 2 to 4: 64 rounds of Σ1, Ch, Σ0, Maj.
  let a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  // Step 5: H(i) = H(i-1) + the working variables.
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0; state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0; state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0;
}

/**
 * A SHA-256 computation fed in pieces. Holds at most one partial block besides its state, whatever the input size.
 * Messages up to 2^53 - 1 bytes (the format's largest file); FIPS 180-4 allows 2^61 - 1.
 */
export class Sha256 {
  #state = Int32Array.from(H0);
  #w = new Int32Array(64);
  #block = new Uint8Array(BLOCK_LENGTH);   // the partial block not yet compressed
  #buffered = 0;                           // bytes in #block
  #length = 0;                             // message bytes so far (a safe integer)
  #finished = false;

  /**
   * Adds `data` to the message.
   * @param {Uint8Array} data
   * @returns {this}
   */
  update(data) {
    if (this.#finished) throw new TypeError('Sha256: update after digest');
    if (!(data instanceof Uint8Array)) throw new TypeError('Sha256: update takes a Uint8Array');
    const length = data.length;
    if (this.#length + length > Number.MAX_SAFE_INTEGER) throw new RangeError('Sha256: message longer than 2^53 - 1 bytes');
    this.#length += length;
    let offset = 0;
    if (this.#buffered > 0) {
      const take = Math.min(BLOCK_LENGTH - this.#buffered, length);
      this.#block.set(data.subarray(0, take), this.#buffered);
      this.#buffered += take;
      offset = take;
      if (this.#buffered < BLOCK_LENGTH) return this;
      compress(this.#state, this.#w, this.#block, 0);
      this.#buffered = 0;
    }
    const state = this.#state, w = this.#w;
    for (; length - offset >= BLOCK_LENGTH; offset += BLOCK_LENGTH) compress(state, w, data, offset);   // straight from the input
    if (offset < length) {
      this.#block.set(data.subarray(offset), 0);
      this.#buffered = length - offset;
    }
    return this;
  }

  /**
   * Pads (FIPS 180-4 §5.1.1: a 1 bit, zeros, the message length in bits as 64 bits) and returns the digest. The
   * object cannot be used afterwards.
   * @returns {Uint8Array} 32 bytes
   */
  digest() {
    if (this.#finished) throw new TypeError('Sha256: digest called twice');
    this.#finished = true;
    const block = this.#block;
    block.fill(0, this.#buffered);
    block[this.#buffered] = 0x80;
    if (this.#buffered + 1 > BLOCK_LENGTH - 8) {
      compress(this.#state, this.#w, block, 0);
      block.fill(0);
    }
    // The bit length, 64 bits big-endian: up to 2^56, so the high word is length / 2^29.
    const view = new DataView(block.buffer, block.byteOffset, BLOCK_LENGTH);
    view.setUint32(56, Math.floor(this.#length / 0x2000_0000));
    view.setUint32(60, (this.#length << 3) >>> 0);
    compress(this.#state, this.#w, block, 0);
    const out = new Uint8Array(DIGEST_LENGTH);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setInt32(4 * i, this.#state[i]);
    block.fill(0);
    this.#w.fill(0);
    return out;
  }
}

/**
 * SHA-256 of `data` in one call (prefer crypto.subtle.digest where an await is fine).
 * @param {Uint8Array} data
 * @returns {Uint8Array} 32 bytes
 */
export function sha256(data) {
  return new Sha256().update(data).digest();
}
