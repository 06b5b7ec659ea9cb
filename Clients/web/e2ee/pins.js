// People this browser's user marked verified (docs/e2ee.md, "Verification"): their user id pinned to the signing key
// they had when verified (checked by comparing the security code or the key's fingerprint out of band). The keys are
// public, so localStorage holds them; a pinned user who shows up with another key is a warning the page cannot hide.
const STORAGE_KEY = 'conclave.e2ee.pins';

function hex(bytes) { return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(''); }

function load() {
  try {
    const pins = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return pins !== null && typeof pins === 'object' ? pins : {};
  } catch {
    return {};
  }
}

/**
 * What this browser knows of a person: `verified` when their key is the pinned one, `keyChanged` when they were
 * pinned with another key, neither when never verified.
 * @param {string} userId
 * @param {Uint8Array | null} signingPublicKey the key they are in the call with (null: none that holds)
 */
export function pinStatus(userId, signingPublicKey) {
  const pinned = load()[userId];
  if (typeof pinned !== 'string') return { verified: false, keyChanged: false };
  const same = signingPublicKey !== null && pinned === hex(signingPublicKey);
  return { verified: same, keyChanged: !same };
}

/** Marks `userId` verified with `signingPublicKey` (replacing an earlier pin: the user accepted a new key). */
export function pin(userId, signingPublicKey) {
  const pins = load();
  pins[userId] = hex(signingPublicKey);
  localStorage.setItem(STORAGE_KEY, JSON.stringify(pins));
}

/** Forgets that `userId` was verified. */
export function unpin(userId) {
  const pins = load();
  delete pins[userId];
  localStorage.setItem(STORAGE_KEY, JSON.stringify(pins));
}
