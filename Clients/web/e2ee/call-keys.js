// Key distribution in a call (docs/e2ee.md, "Key distribution" and "Rotation"). The signed roster's oldest member
// (lowest join version, then session id) leads: it makes each key epoch's secret and wraps it with HPKE (RFC 9180) to
// the members who need it; the server relays the wraps (`e2ee-send` / `e2ee`) without being able to open them.
//
//   join of N:  secret' = ratchet(secret); N gets a wrap of secret', the others a `ratchet` note   (the leader: 1 send)
//   leave of L: secret' = fresh random;    every remaining member gets a wrap of it                  (the leader: 1 send)
//   every member installs secret' for receiving at once and acks; once all acked (or after ACK_TIMEOUT_MS), the
//   leader says `use` and everyone sends with it: nobody sends with a key a member does not hold yet.
//
// Messages (the `data` of e2ee-send): JSON { body, sig }, `sig` the sender device's Ed25519 signature of
// messageToSign (epoch-keys.js) over `body`, itself the JSON text of { k: 'key', epoch, kem, enc, ct, use } |
// { k: 'ratchet', epoch } | { k: 'use', epoch } from the leader, or { k: 'ack', epoch } | { k: 'need' } to it.
// Messages whose signature does not verify under the signed roster's key of their sender are dropped. A member that
// cannot follow (a ratchet from an epoch it lacks) says `need` and is sent the current secret.
//
// The KEM of a wrap: a member whose registered keys include an X-Wing key (device keys version 2) gets an HPKE-X-Wing
// wrap (X-Wing, HKDF-SHA256, AES-128-GCM: post-quantum hybrid), `kem: 'x-wing'`; any other gets DHKEM(X25519), and the
// payload has no `kem` (which a receiver also takes as 'x25519'). A receiver opens with the suite the payload names and
// ignores a wrap naming anything else.
import { Suites, open, seal } from './hpke.js';
import { verify } from './device-identity.js';
import { freshSecret, messageToSign, ratchet, senderKey, wrapInfo } from './epoch-keys.js';
import { fromBase64, toBase64, verifyParticipant } from './signed-roster.js';

/** How long the leader waits for every member's ack before switching anyway. */
export const ACK_TIMEOUT_MS = 3000;
/** Epoch secrets kept (the one in use, the newest, and older ones for frames in flight); matches the worker's window. */
const KEPT_EPOCHS = 3;
/** Messages kept while their sender is not yet the leader this page sees (the roster event is still on its way). */
const MAX_STASHED = 64;
/**
 * The most one e2ee-send carries, in characters, each message counted as {@link batchedLength}: 48 KiB, so that the
 * request (with its JSON escaping) stays under signaling's 64 KiB. An X25519 wrap is about 250 characters, an X-Wing
 * wrap about 1,800, a note about 150. The .NET CallKeys cuts the same way (MaxBatchChars).
 */
export const MAX_BATCH_CHARS = 48 * 1024;
/** The most messages in one e2ee-send (signaling's limit: one per other participant of the largest call). */
export const MAX_BATCH_MESSAGES = 500;
/** What one message counts for in {@link MAX_BATCH_CHARS}: its data, its recipient, and 16 for the rest of its entry. */
export const batchedLength = ({ to, data }) => data.length + to.length + 16;
/** `kem` of an X-Wing wrap; absent or 'x25519' is DHKEM(X25519). */
const KEM_XWING = 'x-wing';
const KEM_X25519 = 'x25519';

/**
 * `messages` ({ to, data }) cut, in order, into e2ee-send requests of at most MAX_BATCH_CHARS and MAX_BATCH_MESSAGES:
 * a request is closed when the next message would not fit.
 * @param {{ to: string, data: string }[]} messages
 * @returns {{ to: string, data: string }[][]}
 */
export function batches(messages) {
  const out = [];
  let batch = [], length = 0;
  for (const message of messages) {
    const size = batchedLength(message);
    if (batch.length > 0 && (length + size > MAX_BATCH_CHARS || batch.length === MAX_BATCH_MESSAGES)) {
      out.push(batch);
      batch = [];
      length = 0;
    }
    batch.push(message);
    length += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

export class CallKeys extends EventTarget {
  #identity; #signaling; #frames;
  #call = null;                   // { room, call, me }
  #signed = new Map();            // sessionId → { signingPublicKey, agreementPublicKey, xwingPublicKey, joinVersion } (self included)
  #checked = new Map();           // sessionId → { source, keys }: verification results, redone when the input changes
  #secrets = new Map();           // epoch → secret
  #receiveKeys = new Set();       // `${epoch} ${sessionId}` installed in the worker
  #sending = null;                // the epoch this page sends with
  #sendingSecret = null;          // the secret of #sending when this page took it
  #highestSeen = -1;              // the highest epoch number any leader used: a new leader continues after it
  #members = null;                // as leader: who was given the newest epoch (null: not leading)
  #pending = null;                // as leader: { epoch, awaiting: Set, timer }
  #stash = [];
  #queue = Promise.resolve();
  /** Counts of what this page sent and received, for the benchmark and tests: { sends, wraps, received }. */
  messages = { sends: 0, wraps: 0, received: 0 };

  /**
   * @param {import('./device-identity.js').DeviceIdentity} identity
   * @param {{ request(message: object): Promise<object> }} signaling
   * @param {{ setSendKey(kid: bigint, baseKey: Uint8Array): void, addReceiveKey(kid: bigint, baseKey: Uint8Array): void }} frames
   */
  constructor(identity, signaling, frames) {
    super();
    this.#identity = identity;
    this.#signaling = signaling;
    this.#frames = frames;
  }

  /** The epoch this page encrypts with, or null before it has one. */
  get sendingEpoch() { return this.#sending; }

  /** True if the participant's join statement holds (so it gets keys). */
  isSigned(sessionId) { return this.#signed.has(sessionId); }

  /** The signing keys of the signed roster, for the security code. */
  get signedKeys() { return [...this.#signed.values()].map((p) => p.signingPublicKey); }

  /** The page is in `call` of `room` as session `me` (a new join: keys of an earlier call are forgotten). */
  setCall({ room, call, me }) {
    return this.#serial(async () => {
      if (this.#call && this.#call.call === call && this.#call.me === me) return;
      // Messages can overtake the `joined` reply (it waits for the media node): those that came before any call are
      // kept for this one; those of an earlier call go with it.
      const early = this.#call === null ? this.#stash : [];
      this.#reset();
      this.#call = { room, call, me };
      this.#stash = early;
    });
  }

  /** The server's roster changed: re-check statements, then lead or follow. */
  updateRoster(participants) {
    return this.#serial(async () => {
      if (!this.#call) return;
      const signed = new Map();
      for (const p of participants) {
        const source = `${p.devicePublicKeys}|${p.membership}|${p.joinVersion}`;
        let checked = this.#checked.get(p.sessionId);
        if (checked?.source !== source) {
          checked = { source, keys: await verifyParticipant(p, this.#call) };
          this.#checked.set(p.sessionId, checked);
        }
        if (checked.keys) signed.set(p.sessionId, { ...checked.keys, joinVersion: p.joinVersion });
      }
      for (const id of this.#checked.keys()) if (!participants.some((p) => p.sessionId === id)) this.#checked.delete(id);
      this.#signed = signed;
      await this.#installReceiveKeys();
      await this.#reconcile();
      this.#changed();
    });
  }

  /** An `e2ee` event from signaling. */
  receive({ from, data }) {
    return this.#serial(async () => {
      if (typeof from !== 'string' || typeof data !== 'string') return;
      this.messages.received++;
      if (!(await this.#handle(from, data)) && this.#stash.length < MAX_STASHED) this.#stash.push({ from, data });
    });
  }

  /** Forgets every key (the page left the call). */
  close() { return this.#serial(async () => this.#reset()); }

  #serial(work) {
    const next = this.#queue.then(work);
    this.#queue = next.catch((error) => console.error('e2ee:', error));
    return next;
  }

  #reset() {
    clearTimeout(this.#pending?.timer);
    for (const secret of this.#secrets.values()) secret.fill(0);
    this.#call = null;
    this.#signed = new Map();
    this.#checked.clear();
    this.#secrets.clear();
    this.#receiveKeys.clear();
    this.#sending = null;
    this.#sendingSecret = null;
    this.#highestSeen = -1;
    this.#members = null;
    this.#pending = null;
    this.#stash = [];
    this.#changed();
  }

  #changed() { this.dispatchEvent(new Event('change')); }

  #leader() {
    let leader = null;
    for (const [id, p] of this.#signed) {
      if (leader === null || p.joinVersion < leader.joinVersion || (p.joinVersion === leader.joinVersion && id < leader.id)) {
        leader = { id, joinVersion: p.joinVersion };
      }
    }
    return leader?.id ?? null;
  }

  async #reconcile() {
    // Messages that came before the roster event that makes their sender the leader.
    const stashed = this.#stash;
    this.#stash = [];
    for (const { from, data } of stashed) if (!(await this.#handle(from, data))) this.#stash.push({ from, data });

    const me = this.#call.me;
    if (!this.#signed.has(me) || this.#leader() !== me) {
      clearTimeout(this.#pending?.timer);
      this.#members = null;
      this.#pending = null;
      return;
    }
    const others = [...this.#signed.keys()].filter((id) => id !== me);
    if (this.#members === null) {
      // Leading from now on (first in the call, or the leader left): a fresh epoch for everyone.
      await this.#startEpoch(others, []);
      return;
    }
    const removed = [...this.#members].some((id) => !this.#signed.has(id));
    const added = others.filter((id) => !this.#members.has(id));
    if (removed) await this.#startEpoch(others, []);
    else if (added.length > 0) await this.#startEpoch(added, others.filter((id) => !added.includes(id)));
  }

  /** As leader: a new epoch, wrapped to `wrapTo`, ratcheted by `ratchetFor` (fresh when `ratchetFor` is empty). */
  async #startEpoch(wrapTo, ratchetFor) {
    const latest = this.#latestEpoch();
    const epoch = Math.max(latest ?? -1, this.#highestSeen) + 1;
    const secret = ratchetFor.length > 0 ? await ratchet(this.#secrets.get(latest)) : freshSecret();
    await this.#install(epoch, secret);
    this.#members = new Set([...wrapTo, ...ratchetFor]);
    clearTimeout(this.#pending?.timer);
    this.#pending = null;
    if (this.#members.size === 0) { await this.#use(epoch); return; }
    const pending = { epoch, awaiting: new Set(this.#members), timer: 0 };
    this.#pending = pending;
    pending.timer = setTimeout(() => this.#serial(() => this.#commit(epoch)), ACK_TIMEOUT_MS);
    const messages = [];
    for (const to of wrapTo) {
      const body = await this.#wrap(to, epoch, secret, false);
      if (body !== null) messages.push({ to, body });
    }
    for (const to of ratchetFor) messages.push({ to, body: { k: 'ratchet', epoch } });
    await this.#send(messages);
  }

  async #commit(epoch) {
    if (this.#pending?.epoch !== epoch) return;
    clearTimeout(this.#pending.timer);
    this.#pending = null;
    await this.#send([...this.#members].map((to) => ({ to, body: { k: 'use', epoch } })));
    await this.#use(epoch);
  }

  /** Handles one message; false when it must wait for the roster (its sender is not signed, or not the leader, here
   *  yet). Forged, malformed and unknown messages are dropped. */
  async #handle(from, data) {
    if (!this.#call || !this.#signed.has(from)) return false;
    const payload = await this.#open(from, data);
    if (payload === null) return true;
    const epoch = payload.epoch;
    if (payload.k !== 'need' && !(Number.isSafeInteger(epoch) && epoch >= 0)) return true;   // malformed: dropped
    const leader = this.#leader();
    const me = this.#call.me;
    switch (payload.k) {
      case 'ack':
        if (leader === me && this.#pending?.epoch === epoch) {
          this.#pending.awaiting.delete(from);
          if (this.#pending.awaiting.size === 0) await this.#commit(epoch);
        }
        return true;
      case 'need': {
        if (leader !== me || this.#members === null) return true;
        const latest = this.#latestEpoch();
        this.#members.add(from);
        const body = latest === null ? null : await this.#wrap(from, latest, this.#secrets.get(latest), this.#pending === null);
        if (body !== null) await this.#send([{ to: from, body }]);
        return true;
      }
      case 'key': case 'ratchet': case 'use':
        if (from !== leader) return false;
        this.#highestSeen = Math.max(this.#highestSeen, epoch);
        return this.#follow(from, payload);
      default:
        return true;
    }
  }

  /** The body of a message `from` signed for this page, or null. */
  async #open(from, data) {
    try {
      const { body, sig } = JSON.parse(data);
      if (typeof body !== 'string') return null;
      const { room, call, me } = this.#call;
      const signed = messageToSign({ room, call, from, to: me, body });
      if (!(await verify(this.#signed.get(from).signingPublicKey, fromBase64(sig) ?? new Uint8Array(0), signed))) return null;
      const payload = JSON.parse(body);
      return payload !== null && typeof payload === 'object' && typeof payload.k === 'string' ? payload : null;
    } catch {
      return null;
    }
  }

  async #follow(leader, { k, epoch, kem, enc, ct, use }) {
    if (k === 'use') {
      if (this.#secrets.has(epoch)) await this.#use(epoch);
      else await this.#send([{ to: leader, body: { k: 'need' } }]);
      return true;
    }
    let secret = null;
    if (k === 'key') {
      // The suite the wrap names, and no other: an unknown kem, or X-Wing without an X-Wing key here, is ignored.
      let recipient = null, suite;
      if (kem === undefined || kem === KEM_X25519) {
        recipient = this.#identity.agreementKeyPair;
        suite = Suites.X25519Sha256Aes128Gcm;
      } else if (kem === KEM_XWING) {
        recipient = this.#identity.xwingDecapsulationKey ?? null;
        suite = Suites.XWingSha256Aes128Gcm;
      }
      if (recipient === null) return true;
      const { room, call, me } = this.#call;
      const info = wrapInfo({ room, call, from: leader, to: me, epoch });
      const opened = await open(recipient, fromBase64(enc) ?? new Uint8Array(0), info, new Uint8Array(0), fromBase64(ct) ?? new Uint8Array(0), { suite });
      if (!opened.ok || opened.pt.length !== 32) return true;   // not for this device, or forged: ignored
      secret = opened.pt;
    } else if (this.#secrets.has(epoch - 1)) {
      secret = await ratchet(this.#secrets.get(epoch - 1));
    }
    if (secret === null) {
      await this.#send([{ to: leader, body: { k: 'need' } }]);
      return true;
    }
    await this.#install(epoch, secret);
    await this.#send([{ to: leader, body: { k: 'ack', epoch } }]);
    if (use === true) await this.#use(epoch);
    return true;
  }

  /** The payload of a wrap of `secret` to `to`: HPKE-X-Wing if `to` registered an X-Wing key, else DHKEM(X25519). Null
   *  when its registered key is no key of that KEM (it gets nothing). */
  async #wrap(to, epoch, secret, use) {
    const { room, call, me } = this.#call;
    const { agreementPublicKey, xwingPublicKey } = this.#signed.get(to);
    const info = wrapInfo({ room, call, from: me, to, epoch });
    try {
      if (xwingPublicKey) {
        const { enc, ct } = await seal(xwingPublicKey, info, new Uint8Array(0), secret, { suite: Suites.XWingSha256Aes128Gcm });
        return { k: 'key', epoch, kem: KEM_XWING, enc: toBase64(enc), ct: toBase64(ct), use };
      }
      const { enc, ct } = await seal(agreementPublicKey, info, new Uint8Array(0), secret);
      return { k: 'key', epoch, enc: toBase64(enc), ct: toBase64(ct), use };
    } catch {
      return null;
    }
  }

  /** Signs and sends `messages` ({ to, body }: body the payload object), in order, batched by size ({@link batches}). */
  async #send(messages) {
    const { room, call, me } = this.#call;
    const signedMessages = [];
    for (const { to, body } of messages) {
      const text = JSON.stringify(body);
      const sig = await this.#identity.sign(messageToSign({ room, call, from: me, to, body: text }));
      signedMessages.push({ to, data: JSON.stringify({ body: text, sig: toBase64(sig) }) });
    }
    for (const batch of batches(signedMessages)) {
      this.messages.sends++;
      this.messages.wraps += batch.length;
      // A member that left meanwhile is simply not delivered to; a dropped connection is healed by `need` later.
      await this.#signaling.request({ type: 'e2ee-send', messages: batch }).catch(() => {});
    }
  }

  #latestEpoch() {
    let latest = null;
    for (const epoch of this.#secrets.keys()) if (latest === null || epoch > latest) latest = epoch;
    return latest;
  }

  /** Holds `secret` for `epoch`: everyone's receive key at once; older epochs beyond the window are forgotten. */
  async #install(epoch, secret) {
    const old = this.#secrets.get(epoch);
    if (old && old.every((v, i) => v === secret[i])) return;
    if (old) this.#forget(epoch);
    this.#secrets.set(epoch, secret);
    // A leader's epochs only grow, so newer ones than this are from a leadership that ended (split by a late
    // statement); of the rest, the newest KEPT_EPOCHS stay, and the one this page sends with.
    const epochs = [...this.#secrets.keys()].sort((a, b) => b - a);
    const kept = epochs.filter((e) => e <= epoch);
    for (const e of epochs) if (e > epoch) this.#forget(e);
    for (const e of kept.slice(KEPT_EPOCHS)) if (e !== this.#sending) this.#forget(e);
    await this.#installReceiveKeys();
  }

  /** Drops the secret of `epoch` and the note that its receive keys are installed (the worker's window ages them out). */
  #forget(epoch) {
    this.#secrets.get(epoch)?.fill(0);
    this.#secrets.delete(epoch);
    for (const key of [...this.#receiveKeys]) if (key.startsWith(`${epoch} `)) this.#receiveKeys.delete(key);
  }

  async #installReceiveKeys() {
    for (const [epoch, secret] of this.#secrets) {
      for (const [id, p] of this.#signed) {
        if (id === this.#call.me || this.#receiveKeys.has(`${epoch} ${id}`)) continue;
        const { kid, baseKey } = await senderKey(secret, epoch, id, p.signingPublicKey);
        this.#frames.addReceiveKey(kid, baseKey);
        this.#receiveKeys.add(`${epoch} ${id}`);
      }
    }
  }

  /** Sends with `epoch`, as this page's leadership or the leader said. The leader's word holds even for an epoch number
   *  this page already sent with: a page that led alone before an older member's statement arrived made its own
   *  epochs, which the leader it now follows never saw and replaces. */
  async #use(epoch) {
    const secret = this.#secrets.get(epoch);
    if (secret === undefined || (this.#sending === epoch && this.#sendingSecret === secret)) return;
    const { kid, baseKey } = await senderKey(secret, epoch, this.#call.me, this.#identity.signingPublicKey);
    this.#frames.setSendKey(kid, baseKey);
    this.#sending = epoch;
    this.#sendingSecret = secret;
    this.#changed();
  }
}
