// The roster a client trusts (docs/e2ee.md, "Signed membership"): the participants the server lists whose join
// statement is signed by the signing key they registered, over exactly the device public keys they registered, for
// this room, this call, their session and the roster version of their join. Only they get keys; anyone else the
// server lists is shown as unsigned.
import { decodeDevicePublicKeys, encodeDevicePublicKeys } from './device-keys.js';
import { MembershipKind, signStatement, verifySignedStatement } from './membership.js';

/** Bytes of base64 text (as signaling carries bytes); null when unreadable. */
export function fromBase64(value) {
  if (typeof value !== 'string') return null;
  try { return Uint8Array.from(atob(value), (c) => c.charCodeAt(0)); } catch { return null; }
}

/** Base64 text of bytes. */
export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function equalBytes(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)); }

/**
 * The participant's keys if its join statement holds (signed by its registered signing key, naming the SHA-256 of
 * exactly the device public keys it registered, for `room`, `call`, its session and its join version); null otherwise.
 * The device keys digest is what makes its agreement keys (X25519, X-Wing) its own: the server cannot swap them.
 * Never throws.
 * @param {{ sessionId: string, joinVersion: number, devicePublicKeys: string, membership: string }} participant
 * @param {{ room: string, call: string }} where
 * @returns {Promise<{ signingPublicKey: Uint8Array, agreementPublicKey: Uint8Array, xwingPublicKey: Uint8Array | null } | null>}
 *   the registered keys (device-keys.js): `xwingPublicKey` null for a device that registered none (version 1).
 */
export async function verifyParticipant(participant, { room, call }) {
  const registered = fromBase64(participant.devicePublicKeys);
  const keys = decodeDevicePublicKeys(registered);
  const signed = fromBase64(participant.membership);
  if (keys === null || signed === null || signed.length === 0) return null;
  const statement = await verifySignedStatement(signed);
  if (statement === null || statement.kind !== MembershipKind.Join) return null;
  if (statement.room !== room || statement.call !== call || statement.session !== participant.sessionId) return null;
  if (statement.epoch !== BigInt(participant.joinVersion ?? -1)) return null;
  if (!equalBytes(statement.deviceKeysDigest, await sha256(registered))) return null;
  return equalBytes(statement.signer, keys.signingPublicKey) ? keys : null;
}

/**
 * This device's statement that it joins (or leaves) the call, over the signing keys of the participants it sees.
 * @param {import('./device-identity.js').DeviceIdentity} identity
 * @param {{ kind: number, room: string, call: string, session: string, epoch: number, participants: Uint8Array[] }} what
 * @returns {Promise<string>} the signed statement, base64.
 */
export async function signMembership(identity, { kind, room, call, session, epoch, participants }) {
  const signed = await signStatement(identity, {
    kind, room, call, session, epoch: BigInt(epoch), signer: identity.signingPublicKey,
    deviceKeysDigest: await sha256(encodeDevicePublicKeys(identity)), participants,
  });
  return toBase64(signed);
}

export { MembershipKind };
