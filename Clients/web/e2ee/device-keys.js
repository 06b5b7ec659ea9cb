// The public half of a device identity as the server relays it (docs/e2ee.md, "Device public keys"): registered with
// PUT /api/me/device-keys, then given to everyone in the call as the participant's `devicePublicKeys` (base64). The
// server treats the bytes as opaque; the .NET library reads and writes the same format (DevicePublicKeys).

/** Format version 1: 0x01 || Ed25519 signing public key (32 bytes) || X25519 agreement public key (32 bytes). */
export const DEVICE_KEYS_VERSION = 1;
const KEY_LENGTH = 32;
const LENGTH = 1 + 2 * KEY_LENGTH;

/**
 * The registered form of a device identity's public keys.
 * @param {{ signingPublicKey: Uint8Array, agreementPublicKey: Uint8Array }} identity
 * @returns {Uint8Array}
 */
export function encodeDevicePublicKeys(identity) {
  const bytes = new Uint8Array(LENGTH);
  bytes[0] = DEVICE_KEYS_VERSION;
  bytes.set(identity.signingPublicKey, 1);
  bytes.set(identity.agreementPublicKey, 1 + KEY_LENGTH);
  return bytes;
}

/**
 * Reads registered public keys; null for anything that is not version 1 of exactly 65 bytes (never throws).
 * @param {Uint8Array | string | null | undefined} value bytes, or their base64 as signaling carries them
 * @returns {{ signingPublicKey: Uint8Array, agreementPublicKey: Uint8Array } | null}
 */
export function decodeDevicePublicKeys(value) {
  let bytes = value;
  if (typeof value === 'string') {
    try { bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0)); } catch { return null; }
  }
  if (!(bytes instanceof Uint8Array) || bytes.length !== LENGTH || bytes[0] !== DEVICE_KEYS_VERSION) return null;
  return { signingPublicKey: bytes.slice(1, 1 + KEY_LENGTH), agreementPublicKey: bytes.slice(1 + KEY_LENGTH) };
}

/**
 * Registers this device's public keys for the holder of `token` (PUT /api/me/device-keys, docs/api.md).
 * @param {string} token the device's bearer token
 * @param {{ signingPublicKey: Uint8Array, agreementPublicKey: Uint8Array }} identity
 */
export async function registerDevicePublicKeys(token, identity) {
  const publicKeys = btoa(String.fromCharCode(...encodeDevicePublicKeys(identity)));
  const response = await fetch('/api/me/device-keys', {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ publicKeys }),
  });
  if (!response.ok) throw new Error(`device keys not registered: ${response.status}`);
}
