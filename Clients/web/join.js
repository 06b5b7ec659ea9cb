// The join page: redeems the invitation in the URL, opens signaling and shows the live roster.
import { t } from './i18n.js';
import { Signaling } from './signaling.js';

const state = { connected: false, sessionId: null, room: null, rosterVersion: 0, participants: new Map(), error: null };

// Read by tests and tools: a snapshot of what the page knows.
window.conclave = {
  state: () => ({
    connected: state.connected,
    sessionId: state.sessionId,
    room: state.room,
    error: state.error,
    participants: [...state.participants.values()].map((p) => ({ sessionId: p.sessionId, userId: p.userId, displayName: p.displayName, role: p.role })),
  }),
};

const $ = (id) => document.getElementById(id);
const code = decodeURIComponent(location.pathname.split('/join/')[1] ?? '');

function setStatus(key, detail) {
  $('status').textContent = detail ? `${t(key)}: ${detail}` : t(key);
}

function render() {
  $('room').textContent = state.room ? `— ${state.room}` : '';
  const list = $('roster');
  list.replaceChildren(...[...state.participants.values()].map((p) => {
    const item = document.createElement('li');
    item.textContent = p.sessionId === state.sessionId ? `${p.displayName} ${t('you')}` : p.displayName;
    item.classList.toggle('me', p.sessionId === state.sessionId);
    return item;
  }));
}

function applyJoined(joined) {
  state.room = joined.room;
  state.sessionId = joined.sessionId;
  state.rosterVersion = joined.rosterVersion;
  state.participants = new Map(joined.participants.map((p) => [p.sessionId, p]));
  render();
}

function onRosterEvent(event, apply) {
  const message = event.detail;
  if (message.room !== state.room || message.rosterVersion <= state.rosterVersion) return;
  state.rosterVersion = message.rosterVersion;
  apply(message);
  render();
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

async function main() {
  try {
    const device = await credentials();
    const signaling = new Signaling(device.token);
    signaling.addEventListener('participant-joined', (e) => onRosterEvent(e, (m) => state.participants.set(m.participant.sessionId, m.participant)));
    signaling.addEventListener('participant-updated', (e) => onRosterEvent(e, (m) => state.participants.set(m.participant.sessionId, m.participant)));
    signaling.addEventListener('participant-left', (e) => onRosterEvent(e, (m) => state.participants.delete(m.sessionId)));
    let left = false;
    signaling.addEventListener('disconnected', (e) => {
      state.connected = false;
      // Closing the socket after Leave also fires this: that is not a lost connection.
      if (left) return;
      if (e.detail.retrying) {
        setStatus('reconnecting');
      } else {
        state.error = `closed-${e.detail.code}`;
        setStatus('ended');
        $('leave').disabled = true;
      }
    });
    signaling.addEventListener('reconnected', async (e) => {
      state.connected = true;
      if (e.detail.call) applyJoined(e.detail.call); else applyJoined(await signaling.request({ type: 'join', room: device.room }));
      setStatus('connected');
    });
    await signaling.connect();
    applyJoined(await signaling.request({ type: 'join', room: device.room }));
    state.connected = true;
    setStatus('connected');
    $('leave').disabled = false;
    $('leave').addEventListener('click', async () => {
      left = true;
      $('leave').disabled = true;
      await signaling.close();
      state.connected = false;
      state.participants.clear();
      render();
      setStatus('left');
    });
  } catch (error) {
    state.error = error.code ?? String(error);
    setStatus('error', error.message ?? String(error));
  }
}

main();
