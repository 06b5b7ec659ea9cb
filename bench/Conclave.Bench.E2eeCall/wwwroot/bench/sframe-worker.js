// Conclave.Bench.E2eeCall sframe-worker (docs/benchmarks.md, "SFrame (issue 5)"): SFrame throughput in a dedicated
// module worker, through the call page's own module (/e2ee/sframe.js) and the same per-frame steps as its frame worker
// (Clients/web/e2ee/frame-worker.js, encryptFrame / decryptFrame): a VP8 frame keeps its uncompressed data chunk in
// clear as authenticated metadata, the rest goes through SFrameSender.encrypt / SFrameReceiver.decrypt, and the result
// is copied into a new frame buffer. Not part of the product; served only by the benchmark's in-process server.
import { SFrameReceiver, SFrameSender, SFrameStatus, conclaveKid } from '/e2ee/sframe.js';

// Messages (each with an id, answered { id, result } or { id, error }): { op: 'ping' }; { op: 'prepare', cipherSuite,
// size, kind, direction } makes a key and 64 frames; { op: 'run', seconds, inFlight } steps through them until the time
// is up and answers { frames, elapsedMs, inputBytes }.
let current = null;

onmessage = async ({ data }) => {
  try {
    let result;
    if (data.op === 'ping') result = 'pong';
    else if (data.op === 'prepare') { current = await prepare(data); result = { inputBytes: current.inputs[0].length }; }
    else if (data.op === 'run') result = await run(data);
    else throw new Error(`unknown op ${data.op}`);
    postMessage({ id: data.id, result });
  } catch (error) {
    postMessage({ id: data.id, error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` });
  }
};

/** The frame worker's vp8ClearPrefix: 10 bytes in clear on a keyframe, 3 otherwise; -1 when too short. */
function vp8ClearPrefix(bytes) {
  if (bytes.length < 3) return -1;
  const length = (bytes[0] & 0x01) === 0 ? 10 : 3;
  return bytes.length >= length ? length : -1;
}

const noPrefix = () => 0;

/**
 * One case: `direction` ('encrypt' | 'decrypt') of frames of `size` bytes (`kind` 'audio': all encrypted; 'video-delta'
 * or 'video-key': a VP8 delta frame or keyframe) with `cipherSuite`. A fresh key, as the page installs one.
 */
async function prepare({ cipherSuite, size, kind, direction }) {
  const clear = kind === 'audio' ? noPrefix : vp8ClearPrefix;
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const kid = conclaveKid(0x1234_5678, 7);
  const sender = new SFrameSender({ cipherSuite });
  await sender.setKey(kid, baseKey);
  const receiver = new SFrameReceiver({ cipherSuite, keysPerSender: 3, maxKeys: 1500 });
  await receiver.addKey(kid, baseKey);

  // 64 different frames (and, to decrypt, their frame-worker output), so no cache sees the same bytes every time.
  if (!Number.isSafeInteger(size) || size < 16 || size > 65536) throw new RangeError('frames of 16 to 65,536 bytes');
  const frames = [];
  for (let i = 0; i < 64; i++) {
    const frame = crypto.getRandomValues(new Uint8Array(size));
    if (kind === 'video-key') frame[0] &= 0xfe; else if (kind === 'video-delta') frame[0] |= 0x01;
    frames.push(frame);
  }
  const encryptOne = async (data) => {
    const prefix = clear(data);
    const { status, ciphertext } = prefix < 0 ? { status: SFrameStatus.Malformed }
      : await sender.encrypt(data.subarray(prefix), data.subarray(0, prefix));
    if (status !== SFrameStatus.Ok) throw new Error(`encrypt: ${status}`);
    const out = new Uint8Array(prefix + ciphertext.length);
    out.set(data.subarray(0, prefix), 0);
    out.set(ciphertext, prefix);
    return out;
  };
  const decryptOne = async (data) => {
    const prefix = clear(data);
    const { status, plaintext } = prefix < 0 ? { status: SFrameStatus.Malformed }
      : await receiver.decrypt(data.subarray(prefix), data.subarray(0, prefix));
    if (status !== SFrameStatus.Ok) throw new Error(`decrypt: ${status}`);
    const out = new Uint8Array(prefix + plaintext.length);
    out.set(data.subarray(0, prefix), 0);
    out.set(plaintext, prefix);
    return out;
  };
  let inputs = frames;
  if (direction === 'decrypt') {
    inputs = [];
    for (const frame of frames) inputs.push(await encryptOne(frame));
    const check = await decryptOne(inputs[0]);
    if (check.length !== frames[0].length || check.some((b, i) => b !== frames[0][i])) throw new Error('round trip differs');
  }
  return { step: direction === 'encrypt' ? encryptOne : decryptOne, inputs };
}

/**
 * Steps through the prepared frames for `seconds` with `inFlight` frames in flight (1: as one track's TransformStream,
 * which awaits each frame before the next). Returns the frames done and the elapsed milliseconds.
 */
async function run({ seconds, inFlight }) {
  if (current === null) throw new Error('prepare first');
  const { step, inputs } = current;
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async (offset) => {
    for (let i = offset; performance.now() < end; i += inFlight) {
      await step(inputs[i & 63]);
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => loop(i)));
  const elapsedMs = performance.now() - start;
  return { frames: done, elapsedMs, inputBytes: inputs[0].length };
}
