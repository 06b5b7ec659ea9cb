// The public half of a device identity as the server relays it (docs/e2ee.md, "Device public keys"): registered with
// PUT /api/me/device-keys, then given to everyone in the call as the participant's `devicePublicKeys` (base64). The
// server treats the bytes as opaque; the .NET library reads and writes the same format (DevicePublicKeys).
//
//   version 1,   65 bytes: 0x01 || Ed25519 signing public key (32) || X25519 agreement public key (32)
//   version 2, 1281 bytes: 0x02 || Ed25519 signing public key (32) || X25519 agreement public key (32)
//                                || X-Wing encapsulation key (1216: ML-KEM-768 1184 || X25519 32)
//
// Readers take both; a device with an X-Wing key gets its epoch secrets wrapped with HPKE-X-Wing (call-keys.js).

/** Format version 1: signing and agreement keys. */
export const DEVICE_KEYS_VERSION_1 = 1;
/** Format version 2: signing, agreement and X-Wing keys. */
export const DEVICE_KEYS_VERSION_2 = 2;
const KEY_LENGTH = 32;
const XWING_PUBLIC_KEY_LENGTH = 1216;
const LENGTH_1 = 1 + 2 * KEY_LENGTH;
const LENGTH_2 = LENGTH_1 + XWING_PUBLIC_KEY_LENGTH;

/**
 * The registered form of a device identity's public keys: version 2 when it has an X-Wing key, else version 1.
 * @param {{ signingPublicKey: Uint8Array, agreementPublicKey: Uint8Array, xwingPublicKey?: Uint8Array | null }} identity
 * @returns {Uint8Array}
 */
export function encodeDevicePublicKeys(identity) {
  const { signingPublicKey, agreementPublicKey, xwingPublicKey } = identity;
  if (signingPublicKey?.length !== KEY_LENGTH || agreementPublicKey?.length !== KEY_LENGTH) {
    throw new TypeError('the signing and agreement public keys are 32 bytes each');
  }
  const withXWing = xwingPublicKey !== undefined && xwingPublicKey !== null;
  if (withXWing && xwingPublicKey.length !== XWING_PUBLIC_KEY_LENGTH) throw new TypeError(`an X-Wing public key is ${XWING_PUBLIC_KEY_LENGTH} bytes`);
  const bytes = new Uint8Array(withXWing ? LENGTH_2 : LENGTH_1);
  bytes[0] = withXWing ? DEVICE_KEYS_VERSION_2 : DEVICE_KEYS_VERSION_1;
  bytes.set(signingPublicKey, 1);
  bytes.set(agreementPublicKey, 1 + KEY_LENGTH);
  if (withXWing) bytes.set(xwingPublicKey, LENGTH_1);
  return bytes;
}

/**
 * Reads registered public keys: version 1 of exactly 65 bytes (`xwingPublicKey` null) or version 2 of exactly 1281
 * bytes; null for anything else (never throws).
 * @param {Uint8Array | string | null | undefined} value bytes, or their base64 as signaling carries them
 * @returns {{ signingPublicKey: Uint8Array, agreementPublicKey: Uint8Array, xwingPublicKey: Uint8Array | null } | null}
 */
export function decodeDevicePublicKeys(value) {
  let bytes = value;
  if (typeof value === 'string') {
    try { bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0)); } catch { return null; }
  }
  if (!(bytes instanceof Uint8Array)) return null;
  const v1 = bytes.length === LENGTH_1 && bytes[0] === DEVICE_KEYS_VERSION_1;
  const v2 = bytes.length === LENGTH_2 && bytes[0] === DEVICE_KEYS_VERSION_2;
  if (!v1 && !v2) return null;
  return {
    signingPublicKey: bytes.slice(1, 1 + KEY_LENGTH),
    agreementPublicKey: bytes.slice(1 + KEY_LENGTH, LENGTH_1),
    xwingPublicKey: v2 ? bytes.slice(LENGTH_1) : null,
  };
}

/**
 * Registers this device's public keys for the holder of `token` (PUT /api/me/device-keys, docs/api.md).
 * @param {string} token the device's bearer token
 * @param {{ signingPublicKey: Uint8Array, agreementPublicKey: Uint8Array, xwingPublicKey?: Uint8Array | null }} identity
 */
export async function registerDevicePublicKeys(token, identity) {
  const bytes = encodeDevicePublicKeys(identity);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const response = await fetch('/api/me/device-keys', {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ publicKeys: btoa(binary) }),
  });
  if (!response.ok) throw new Error(`device keys not registered: ${response.status}`);
}
