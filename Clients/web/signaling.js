// The signaling client (docs/signaling.md): hello/welcome, request ids, heartbeats, resume after a drop.
const PROTOCOL_VERSION = 1;

export class Signaling extends EventTarget {
  #token; #socket = null; #nextId = 1; #pending = new Map(); #heartbeat = null;
  #resume = null; #closedByUs = false; #retryDelay = 500;

  constructor(token) { super(); this.#token = token; }

  /** Opens the socket and authenticates; resolves with the welcome message. */
  connect() {
    this.#closedByUs = false;
    return new Promise((resolve, reject) => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal`;
      const socket = new WebSocket(url);
      this.#socket = socket;
      socket.onopen = () => {
        this.request({ type: 'hello', token: this.#token, ...(this.#resume ? { resume: this.#resume } : {}) })
          .then((welcome) => {
            this.#resume = { sessionId: welcome.sessionId, resumeToken: welcome.resumeToken };
            this.#retryDelay = 500;
            this.#startHeartbeat(welcome.heartbeatIntervalMs);
            resolve(welcome);
          })
          .catch((error) => {
            if (error.code === 'session-expired') this.#resume = null;
            reject(error);
          });
      };
      socket.onmessage = (event) => this.#receive(event.data);
      socket.onclose = (event) => this.#onClose(event);
    });
  }

  /** Sends a request and resolves with its reply, or rejects with {code, message}. */
  request(message) {
    const id = String(this.#nextId++);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ v: PROTOCOL_VERSION, id, ...message }));
    });
  }

  /** Leaves the call (with `leave`'s optional fields, e.g. a signed `statement`) and closes the connection for good. */
  async close(leave = {}) {
    this.#closedByUs = true;
    clearInterval(this.#heartbeat);
    try { await this.request({ type: 'leave', ...leave }); } catch { /* already gone */ }
    this.#socket?.close(1000, 'bye');
  }

  #receive(data) {
    let message;
    try { message = JSON.parse(data); } catch { return; }
    const pending = message.id && this.#pending.get(message.id);
    if (pending) {
      this.#pending.delete(message.id);
      if (message.type === 'error') pending.reject(message); else pending.resolve(message);
      return;
    }
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
  }

  #startHeartbeat(intervalMs) {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => this.request({ type: 'ping' }).catch(() => {}), intervalMs);
  }

  #onClose(event) {
    clearInterval(this.#heartbeat);
    for (const { reject } of this.#pending.values()) reject({ code: 'disconnected', message: 'connection closed' });
    this.#pending.clear();
    // 4002: resumed elsewhere; 1008/1009: refused for good. 4003 (expired): start a new session. Otherwise a blip: resume.
    const retrying = !this.#closedByUs && ![4002, 1008, 1009].includes(event.code);
    this.dispatchEvent(new CustomEvent('disconnected', { detail: { code: event.code, retrying } }));
    if (!retrying) return;
    if (event.code === 4003) this.#resume = null;
    setTimeout(() => this.connect()
      .then((welcome) => this.dispatchEvent(new CustomEvent('reconnected', { detail: welcome })))
      .catch(() => {}), this.#retryDelay);
    this.#retryDelay = Math.min(this.#retryDelay * 2, 8000);
  }
}
