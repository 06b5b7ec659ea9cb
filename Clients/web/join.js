// The call page: redeems the invitation in the URL, opens signaling, joins the room's call, publishes the camera and
// microphone and shows everyone's video in tiles (docs/web-client.md).
import { language, t } from './i18n.js';
import { Signaling } from './signaling.js';
import { CallMedia } from './media.js';
import { loadDeviceIdentity } from './e2ee/device-identity.js';
import { decodeDevicePublicKeys, registerDevicePublicKeys } from './e2ee/device-keys.js';
import { securityCode } from './e2ee/security-code.js';
import { CallKeys } from './e2ee/call-keys.js';
import { FrameCrypto } from './e2ee/frame-crypto.js';
import { MembershipKind, signMembership } from './e2ee/signed-roster.js';
import { pin, pinStatus } from './e2ee/pins.js';
import { CallFiles, FileStatus } from './files/call-files.js';

const state = {
  connected: false, joined: false, sessionId: null, room: null, rosterVersion: 0, participants: new Map(), error: null,
  activeSpeaker: null, securityCode: null, callId: null,
};
let signaling = null;
let identity = null;                // this device's keys (e2ee/device-identity.js)
let keys = null;                    // the call's key distribution (e2ee/call-keys.js)
let securityCodeRun = 0;            // the latest roster's computation wins
let media = null;
let files = null;                   // files shared into the call (files/call-files.js)
let earlyEvents = [];               // roster events that overtook the `joined` reply, replayed by applyJoined
const remoteStreams = new Map();   // participantId → MediaStream of what is received from them

// Read by tests and tools (the test contract in docs/web-client.md): a snapshot of what the page knows.
window.conclave = {
  state: () => ({
    connected: state.connected,
    joined: state.joined,
    sessionId: state.sessionId,
    room: state.room,
    error: state.error,
    e2ee: keys?.sendingEpoch != null ? 'on' : 'off',
    keyEpoch: keys?.sendingEpoch ?? null,
    securityCode: state.securityCode,
    participants: [...state.participants.values()].map((p) => ({
      id: p.sessionId, name: p.displayName, sessionId: p.sessionId, userId: p.userId, displayName: p.displayName, role: p.role,
      ...trustOf(p),
    })),
    inbound: (media?.inbound ?? []).map((s) => ({ ...s })),
    activeSpeaker: state.activeSpeaker,
    tracks: (media?.remoteTracks ?? []).map((track) => ({ ...track })),
    rtcp: media?.rtcp ?? { senderReports: 0, receiverReports: 0 },
    files: (files?.list ?? []).map(({ fileId, name, size, from, status, progress, error, sha256, length, notified }) => ({
      fileId, name, size, from, status, progress, error, sha256, length, notified,
    })),
  }),
};

const $ = (id) => document.getElementById(id);
const code = decodeURIComponent(location.pathname.split('/join/')[1] ?? '');

function setStatus(key, detail) {
  $('status').textContent = detail ? `${t(key)}: ${detail}` : t(key);
}

function render() {
  $('room').textContent = state.room ? `— ${state.room}` : '';
  renderRoster();
  renderTiles();
  renderFiles();
}

/** What this page knows of a participant's keys (docs/e2ee.md, "Signed membership" and "Verification"): `signed` when
 *  their join statement holds (only they get keys), `verified` when their key is the one pinned here (one's own
 *  device always is), `keyChanged` when they were verified with another key. */
function trustOf(p) {
  const mine = p.sessionId === state.sessionId;
  const signed = keys?.isSigned(p.sessionId) ?? false;
  const signingKey = signed ? decodeDevicePublicKeys(p.devicePublicKeys).signingPublicKey : null;
  const { verified, keyChanged } = mine ? { verified: signed, keyChanged: false } : pinStatus(p.userId, signingKey);
  return { signed, verified, keyChanged };
}

/** The participant list, with what is known of each person's keys and a way to mark them verified; a loud warning
 *  when someone verified here shows up with another key. */
function renderRoster() {
  const changed = [];
  $('roster').replaceChildren(...[...state.participants.values()].map((p) => {
    const mine = p.sessionId === state.sessionId;
    const trust = trustOf(p);
    const item = document.createElement('li');
    item.classList.toggle('me', mine);
    item.dataset.participant = p.sessionId;
    const name = document.createElement('span');
    name.textContent = mine ? `${p.displayName} ${t('you')}` : p.displayName;
    item.append(name);
    const badge = trust.keyChanged ? 'keyChanged' : !trust.signed ? 'unsigned' : trust.verified && !mine ? 'verified' : null;
    if (badge) {
      const mark = document.createElement('span');
      mark.className = `badge ${badge}`;
      mark.textContent = t(badge);
      item.append(' ', mark);
    }
    if (!mine && trust.signed && !trust.verified) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = t(trust.keyChanged ? 'acceptKey' : 'markVerified');
      button.setAttribute('aria-label', `${t(trust.keyChanged ? 'acceptKey' : 'markVerified')}: ${p.displayName}`);
      button.addEventListener('click', () => {
        pin(p.userId, decodeDevicePublicKeys(p.devicePublicKeys).signingPublicKey);
        renderRoster();
      });
      item.append(' ', button);
    }
    if (trust.keyChanged) changed.push(p.displayName);
    return item;
  }));
  $('key-warning').hidden = changed.length === 0;
  $('key-warning').textContent = changed.length === 0 ? '' : `${t('keyChangedWarning')} ${changed.join(', ')}`;
  updateSecurityCode();
}

/** The call's security code (docs/e2ee.md) over the signing keys of the signed roster: exactly the devices that get
 *  this call's keys. */
async function updateSecurityCode() {
  const run = ++securityCodeRun;
  const signedKeys = keys?.signedKeys ?? [];
  const code = state.joined && signedKeys.length > 0 ? await securityCode(signedKeys) : null;
  if (run !== securityCodeRun || code === state.securityCode) return;
  state.securityCode = code;
  $('security-code').textContent = code ? `${t('securityCode')} ${code}` : '';
}

/** Tells the call this device joins it, in a statement signed with its identity key (docs/e2ee.md); once per join. */
async function announceMembership() {
  const me = state.participants.get(state.sessionId);
  if (!me || me.membership) return;
  const participants = [...state.participants.values()]
    .map((p) => decodeDevicePublicKeys(p.devicePublicKeys)?.signingPublicKey).filter(Boolean);
  const statement = await signMembership(identity, {
    kind: MembershipKind.Join, room: state.room, call: state.callId, session: state.sessionId, epoch: me.joinVersion, participants,
  });
  await signaling.request({ type: 'membership', statement });
}

/** The roster changed: the keys follow (who is signed, who leads, who gets which key). */
function rosterChanged() {
  keys.updateRoster([...state.participants.values()]).catch(showMediaError);
}

/** One tile per participant (own camera muted), in roster order, each playing what is received from that person;
 *  and one more per screen someone shares. */
function renderTiles() {
  const tiles = $('tiles');
  const wanted = state.joined ? [...state.participants.values()] : [];
  const screens = state.joined ? (media?.remoteTracks ?? []).filter((track) => track.source === 'screen') : [];
  for (const tile of [...tiles.children]) {
    const keep = tile.dataset.screen
      ? screens.some((s) => s.trackId === tile.dataset.screen)
      : wanted.some((p) => p.sessionId === tile.dataset.participant);
    if (!keep) tile.remove();
  }
  for (const screen of screens) {
    if (tiles.querySelector(`[data-screen="${CSS.escape(screen.trackId)}"]`)) continue;
    const owner = state.participants.get(screen.participantId);
    const tile = newTile(streamOf(`screen:${screen.trackId}`), false);
    tile.dataset.screen = screen.trackId;
    const caption = `${t('screenOf')} ${owner?.displayName ?? ''}`.trim();
    tile.querySelector('figcaption').textContent = caption;
    tile.querySelector('video').setAttribute('aria-label', caption);
    tiles.append(tile);
  }
  for (const p of wanted) {
    let tile = tiles.querySelector(`[data-participant="${CSS.escape(p.sessionId)}"]`);
    if (!tile) {
      const mine = p.sessionId === state.sessionId;
      tile = newTile(mine ? media?.localStream ?? null : streamOf(p.sessionId), mine);
      tile.dataset.participant = p.sessionId;
      tiles.append(tile);
    }
    const name = p.sessionId === state.sessionId ? `${p.displayName} ${t('you')}` : p.displayName;
    const muted = (media?.remoteTracks ?? []).some((track) => track.participantId === p.sessionId && track.kind === 'audio' && track.muted);
    tile.querySelector('figcaption').textContent = muted ? `${name} · ${t('muted')}` : name;
    tile.querySelector('video').setAttribute('aria-label', name);
  }
  highlightSpeaker();
}

function newTile(stream, muted) {
  const tile = document.createElement('figure');
  tile.className = 'tile';
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = muted;
  video.srcObject = stream;
  tile.append(video, document.createElement('figcaption'));
  if (!muted) {
    video.dataset.remote = '';
    videoSizes.observe(video);   // others' video: the SFU sends the encoding that fits the tile
  }
  return tile;
}

/** Tells the SFU the size each remote video is shown at, in device pixels (0 × 0 when hidden). */
const videoSizes = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const tile = entry.target.closest('.tile');
    const trackId = tile?.dataset.screen
      ?? (media?.remoteTracks ?? []).find((t) => t.participantId === tile?.dataset.participant && t.source === 'camera')?.trackId;
    if (!trackId) continue;
    const box = entry.devicePixelContentBoxSize?.[0];
    const width = Math.round(box ? box.inlineSize : entry.contentRect.width * devicePixelRatio);
    const height = Math.round(box ? box.blockSize : entry.contentRect.height * devicePixelRatio);
    media.setVideoSize(trackId, width, height);
  }
});

/** The stream a tile plays: a participant's camera and microphone, or `screen:<trackId>` for a shared screen. */
function streamOf(participantId) {
  if (!remoteStreams.has(participantId)) remoteStreams.set(participantId, new MediaStream());
  return remoteStreams.get(participantId);
}

/** Outlines the tile of the participant the server names as speaking (`active-speaker`). */
function highlightSpeaker() {
  for (const tile of $('tiles').children) tile.classList.toggle('speaking', tile.dataset.participant === state.activeSpeaker);
}

/** The files shared into the call (docs/web-client.md, "Files"): who shared each, where it is, a progress bar while it
 *  moves, what went wrong, and a Download button. Entries are updated in place, so a button keeps its focus while a
 *  transfer runs. */
function renderFiles() {
  const list = $('files');
  const entries = files?.list ?? [];
  for (const item of [...list.children]) if (!entries.some((f) => f.fileId === item.dataset.file)) item.remove();
  for (const file of entries) {
    let item = list.querySelector(`[data-file="${CSS.escape(file.fileId)}"]`);
    if (!item) {
      item = newFileItem(file.fileId);
      list.append(item);
    }
    const sender = state.participants.get(file.from)?.displayName;
    if (sender) item.dataset.sender = sender;   // kept once they leave
    const name = file.name ?? t('fileUnnamed');
    const moving = file.status === FileStatus.Uploading || file.status === FileStatus.Downloading;
    const statusKey = file.status === FileStatus.Offered && file.mine ? 'fileShared' : `file-${file.status}`;
    item.classList.toggle('failed', file.status === FileStatus.Failed);
    item.querySelector('.file-name').textContent = name;
    item.querySelector('.file-size').textContent = file.size === null ? '' : formatSize(file.size);
    item.querySelector('.file-from').textContent = file.mine ? t('fileFromYou') : `${t('fileFrom')} ${item.dataset.sender ?? '?'}`;
    item.querySelector('.file-status').textContent = moving ? `${t(statusKey)} ${Math.floor(file.progress * 100)} %` : t(statusKey);
    const bar = item.querySelector('progress');
    bar.hidden = !moving;
    bar.value = file.progress;
    bar.setAttribute('aria-label', `${t(statusKey)}: ${name}`);
    const problem = [
      file.error ? t(`fileError-${file.error}`) : '',
      file.mine && file.skipped.length > 0 ? `${t('fileSkipped')} ${file.skipped.join(', ')}` : '',
    ].filter(Boolean).join(' ');
    const note = item.querySelector('.file-error');
    if (note.textContent !== problem) note.textContent = problem;   // said once, not at every progress step
    note.hidden = problem === '';
    const button = item.querySelector('button');
    button.disabled = moving || file.error === 'no-key';
    button.setAttribute('aria-label', `${t('download')}: ${name}`);
  }
  $('files-empty').hidden = entries.length > 0;
}

function newFileItem(fileId) {
  const item = document.createElement('li');
  item.dataset.file = fileId;
  const line = document.createElement('div');
  for (const part of ['file-name', 'file-size', 'file-from', 'file-status']) {
    const span = document.createElement('span');
    span.className = part;
    line.append(span, ' ');
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = t('download');
  button.addEventListener('click', () => files.download(fileId).catch(showMediaError));
  line.append(button);
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.hidden = true;
  const note = document.createElement('p');
  note.className = 'file-error';
  note.setAttribute('role', 'alert');
  note.hidden = true;
  item.append(line, bar, note);
  return item;
}

/** 3.1 MiB, in the page's language (binary units). */
function formatSize(bytes) {
  const units = t('sizeUnits').split(' ');
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${new Intl.NumberFormat(language, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}

function applyJoined(joined) {
  state.room = joined.room;
  state.callId = joined.callId;
  state.sessionId = joined.sessionId;
  state.rosterVersion = joined.rosterVersion;
  state.participants = new Map(joined.participants.map((p) => [p.sessionId, p]));
  state.joined = true;
  const early = earlyEvents;
  earlyEvents = [];
  for (const { message, apply } of early.sort((a, b) => a.message.rosterVersion - b.message.rosterVersion)) applyRosterEvent(message, apply);
  keys.setCall({ room: state.room, call: state.callId, me: state.sessionId });
  rosterChanged();
  render();
  announceMembership().catch(showMediaError);
}

function onRosterEvent(event, apply) {
  // An event can overtake the reply to `join` (both are sent as they happen): keep it until the roster is known.
  if (!state.joined) { earlyEvents.push({ message: event.detail, apply }); return; }
  applyRosterEvent(event.detail, apply);
  rosterChanged();
  render();
}

function applyRosterEvent(message, apply) {
  if (message.room !== state.room || message.rosterVersion <= state.rosterVersion) return;
  state.rosterVersion = message.rosterVersion;
  apply(message);
}

async function credentials() {
  // A device token survives reloads: the invitation itself is single-use.
  const stored = JSON.parse(localStorage.getItem(`conclave.invite.${code}`) ?? 'null');
  if (stored) return stored;
  const response = await fetch(`/api/invitations/${encodeURIComponent(code)}/redeem`, { method: 'POST' });
  const body = await response.json();
  if (!response.ok) throw body;
  localStorage.setItem(`conclave.invite.${code}`, JSON.stringify(body));
  return body;
}

/** A media action that failed (the server refused a mute, the connection dropped): said, never swallowed. */
function showMediaError(error) {
  $('notice').textContent = `${t('error')}: ${error.message ?? String(error)}`;
}

function toggleButton(id, pressed, onKey, offKey) {
  const button = $(id);
  button.setAttribute('aria-pressed', String(pressed));
  button.textContent = t(pressed ? onKey : offKey);
}

function wireControls(signaling) {
  let micMuted = false, cameraOff = false;
  $('share-file').disabled = false;
  $('share-file').addEventListener('click', () => $('file-input').click());
  $('file-input').addEventListener('change', () => {
    const chosen = [...$('file-input').files];
    $('file-input').value = '';
    for (const file of chosen) files.share(file).catch(showMediaError);
  });
  $('screen').disabled = !navigator.mediaDevices?.getDisplayMedia;
  $('microphone').addEventListener('click', () => {
    micMuted = !micMuted;
    media.setEnabled('audio', !micMuted).catch(showMediaError);
    toggleButton('microphone', micMuted, 'unmuteMicrophone', 'muteMicrophone');
  });
  $('camera').addEventListener('click', () => {
    cameraOff = !cameraOff;
    media.setEnabled('video', !cameraOff).catch(showMediaError);
    toggleButton('camera', cameraOff, 'startCamera', 'stopCamera');
  });
  $('screen').addEventListener('click', async () => {
    try {
      const sharing = await media.toggleScreen();
      toggleButton('screen', sharing, 'stopSharing', 'shareScreen');
    } catch (error) {
      setStatus('error', error.message ?? String(error));
    }
  });
  let left = false;
  signaling.addEventListener('disconnected', (e) => {
    state.connected = false;
    // Closing the socket after Leave also fires this: that is not a lost connection.
    if (left) return;
    console.warn(`signaling closed (${e.detail.code})${e.detail.retrying ? ', reconnecting' : ''}`);
    if (e.detail.retrying) {
      setStatus('reconnecting');
    } else {
      state.error = `closed-${e.detail.code}`;
      state.joined = false;
      media.close();
      keys.close();
      render();
      setStatus('ended');
      for (const id of ['leave', 'microphone', 'camera', 'screen', 'share-file']) $(id).disabled = true;
    }
  });
  $('leave').disabled = false;
  $('leave').addEventListener('click', async () => {
    left = true;
    for (const id of ['leave', 'microphone', 'camera', 'screen', 'share-file']) $(id).disabled = true;
    media.close();
    await signaling.close({ statement: await leaveStatement() });
    await keys.close();
    state.connected = false;
    state.joined = false;
    state.participants.clear();
    render();
    setStatus('left');
  });
}

/** This device's signed statement that it leaves the call (docs/e2ee.md); undefined if it cannot be made. */
async function leaveStatement() {
  if (!state.joined || !state.callId) return undefined;
  return signMembership(identity, {
    kind: MembershipKind.Leave, room: state.room, call: state.callId, session: state.sessionId, epoch: state.rosterVersion,
    participants: keys.signedKeys,
  }).catch(() => undefined);
}

async function main() {
  try {
    // Every frame is encrypted end to end (docs/e2ee.md): a browser that cannot do it does not join, rather than
    // send or receive media the server could read.
    if (!FrameCrypto.supported) throw Object.assign(new Error(t('e2eeUnsupported')), { code: 'e2ee-unsupported' });
    const device = await credentials();
    // The device's identity keys: made on first use, kept in this browser; the server gets the public halves before
    // the page joins, so the call's roster carries them.
    identity = await loadDeviceIdentity().catch((error) => {
      throw Object.assign(new Error(`${t('e2eeUnsupported')} (${error.message})`), { code: 'e2ee-unsupported' });
    });
    await registerDevicePublicKeys(device.token, identity);
    signaling = new Signaling(device.token);
    const frames = new FrameCrypto();
    keys = new CallKeys(identity, signaling, frames);
    keys.addEventListener('change', () => renderRoster());
    media = new CallMedia(signaling, frames);
    // Files shared into the call go to the signed roster only, like the call's keys (docs/web-client.md, "Files").
    files = new CallFiles({
      token: device.token, userId: device.userId, identity, signaling,
      call: () => ({
        room: state.room, sessionId: state.sessionId,
        participants: [...state.participants.values()].map((p) => ({ ...p, signed: keys.isSigned(p.sessionId) })),
      }),
    });
    files.addEventListener('change', renderFiles);
    signaling.addEventListener('file-offered', (e) => { if (e.detail.room === state.room) files.offered(e.detail); });
    // Key messages may overtake the `joined` reply; CallKeys keeps them until it knows the call (and drops any whose
    // signature does not cover this room and call).
    signaling.addEventListener('e2ee', (e) => { if (!state.joined || e.detail.room === state.room) keys.receive(e.detail); });
    signaling.addEventListener('participant-joined', (e) => onRosterEvent(e, (m) => state.participants.set(m.participant.sessionId, m.participant)));
    signaling.addEventListener('participant-updated', (e) => onRosterEvent(e, (m) => state.participants.set(m.participant.sessionId, m.participant)));
    signaling.addEventListener('participant-left', (e) => onRosterEvent(e, (m) => {
      state.participants.delete(m.sessionId);
      remoteStreams.delete(m.sessionId);
    }));
    signaling.addEventListener('layers', (e) => {
      if (e.detail.room === state.room) media.setActiveLayers(e.detail.mid, e.detail.rids).catch(showMediaError);
    });
    signaling.addEventListener('tracks', (e) => {
      media.setRemoteTracks(e.detail.tracks);
      renderTiles();
      // A tile shown before its track was known reports its size again, now that it can be named.
      for (const video of $('tiles').querySelectorAll('video[data-remote]')) { videoSizes.unobserve(video); videoSizes.observe(video); }
    });
    signaling.addEventListener('active-speaker', (e) => {
      if (e.detail.room !== state.room) return;
      state.activeSpeaker = e.detail.participantId ?? null;
      highlightSpeaker();
    });
    signaling.addEventListener('reconnected', async (e) => {
      state.connected = true;
      console.info(e.detail.sessionId === state.sessionId ? 'signaling resumed' : 'signaling reconnected with a new session');
      if (e.detail.call) applyJoined(e.detail.call); else applyJoined(await signaling.request({ type: 'join', room: device.room }));
      setStatus('connected');
      media.restartIce();   // the blip may have been a change of network
    });
    media.addEventListener('track', (e) => {
      const stream = streamOf(e.detail.source === 'screen' ? `screen:${e.detail.trackId}` : e.detail.participantId);
      for (const old of stream.getTracks()) if (old.kind === e.detail.track.kind) stream.removeTrack(old);
      stream.addTrack(e.detail.track);
    });
    media.addEventListener('device-error', () => { $('notice').textContent = t('noDevices'); });
    await signaling.connect();
    applyJoined(await signaling.request({ type: 'join', room: device.room }));
    state.connected = true;
    setStatus('connected');
  } catch (error) {
    state.error = typeof error.code === 'string' ? error.code : error.name ?? String(error);
    setStatus('error', error.message ?? String(error));
    return;
  }
  wireControls(signaling);
  try {
    // Media trouble (no devices, a refused offer) leaves the page in the call, watching and listening.
    await media.start();
    const hasDevices = media.localStream !== null;
    $('microphone').disabled = !hasDevices || !state.connected;
    $('camera').disabled = !hasDevices || !state.connected;
    const own = $('tiles').querySelector(`[data-participant="${CSS.escape(state.sessionId)}"] video`);
    if (own) own.srcObject = media.localStream;
  } catch (error) {
    showMediaError(error);
  }
}

main();
