// The security code of a call (docs/e2ee.md): the same definition as the .NET library's SecurityCode
// (Clients/Conclave.E2ee/Roster/SecurityCode.cs), so every participant, in a browser or not, sees the same code.

const LABEL = new TextEncoder().encode('Conclave security code v1');
const GROUPS = 4;
const BYTES_PER_GROUP = 5;

/** Ascending unsigned byte order, shorter first when one key is a prefix of the other. */
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * The code of a roster whose devices have `identityKeys` (raw public keys): duplicates removed, keys sorted,
 * `SHA-256("Conclave security code v1" || 0x00 || uint16(count) || for each key: uint16(length) || key)`, then four
 * groups of five digits, group i being digest bytes [5i, 5i + 5) as a big-endian integer modulo 100,000.
 * @param {Uint8Array[]} identityKeys
 * @returns {Promise<string>} e.g. "04821 99310 57702 31468"
 */
export async function securityCode(identityKeys) {
  if (!Array.isArray(identityKeys) || identityKeys.length === 0) throw new RangeError('a roster has at least one identity key');
  const digest = await securityCodeDigest(identityKeys);
  const groups = [];
  for (let g = 0; g < GROUPS; g++) {
    let value = 0n;
    for (const b of digest.subarray(g * BYTES_PER_GROUP, (g + 1) * BYTES_PER_GROUP)) value = (value << 8n) | BigInt(b);
    groups.push((value % 100000n).toString().padStart(5, '0'));
  }
  return groups.join(' ');
}

/**
 * The 32-byte digest the code is read from (.NET: SecurityCode.Digest), of the set `identityKeys` (raw public keys, in
 * any order, duplicates allowed): `SHA-256("Conclave security code v1" || 0x00 || uint16(count) || for each key:
 * uint16(length) || key)` over the keys deduplicated and sorted ascending. Signed membership statements
 * (membership.js) name their participant set by it. An empty set has a digest too (count 0), though no code.
 * @param {Uint8Array[]} identityKeys
 * @returns {Promise<Uint8Array>}
 * @throws {RangeError} not an array, a key not a Uint8Array of 1 to 65,535 bytes, more than 65,535 distinct keys.
 */
export async function securityCodeDigest(identityKeys) {
  if (!Array.isArray(identityKeys)) throw new RangeError('identity keys are an array of Uint8Arrays');
  const keys = identityKeys.map((k) => {
    if (!(k instanceof Uint8Array) || k.length === 0 || k.length > 0xffff) throw new RangeError('identity keys are 1 to 65,535 bytes');
    return k;
  }).sort(compareBytes).filter((k, i, all) => i === 0 || compareBytes(k, all[i - 1]) !== 0);
  if (keys.length > 0xffff) throw new RangeError('at most 65,535 identity keys');

  const total = LABEL.length + 1 + 2 + keys.reduce((sum, k) => sum + 2 + k.length, 0);
  const input = new Uint8Array(total);
  const view = new DataView(input.buffer);
  input.set(LABEL, 0);
  let at = LABEL.length + 1;                                   // the 0x00 separator is already zero
  view.setUint16(at, keys.length);
  at += 2;
  for (const key of keys) {
    view.setUint16(at, key.length);
    input.set(key, at + 2);
    at += 2 + key.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input));
}
