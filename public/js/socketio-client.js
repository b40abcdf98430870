// A small Socket.IO v5 client (namespace "/" only, text only) over engineio-client.js, with
// reconnection and exponential back-off.
//
// Socket.IO packets travel inside Engine.IO message packets; the first character is the type:
//   0 CONNECT (client: 0{auth}; server: 0{"sid"})   1 DISCONNECT   2 EVENT [name, ...args]
//   3 ACK <id>[...args]   4 CONNECT_ERROR {message}
// An EVENT may carry an ack id between the type and the JSON array: 2<id>["name",…].
//
// Events this object dispatches (EventTarget, detail in CustomEvent.detail):
//   "state"   {state, attempt, retryIn}  state ∈ connecting | connected | reconnecting | closed
//   "connect" {sid}                       after every successful (re)connection
//   "disconnect" {reason}
//   "event"   {name, args}                every server event (also dispatched as "event:<name>")

import { EngineIOConnection, engineURL } from "./engineio-client.js";

const TYPE = { CONNECT: "0", DISCONNECT: "1", EVENT: "2", ACK: "3", CONNECT_ERROR: "4" };

export class AckTimeoutError extends Error {}
export class DisconnectedError extends Error {}

export class SocketIOClient extends EventTarget {
  /**
   * @param {object} options
   * @param {() => object} [options.auth]   the CONNECT payload, read at each attempt (e.g. the token)
   * @param {string} [options.url]          Engine.IO WebSocket URL (default: this page's server)
   * @param {number} [options.minDelay]     first reconnect delay, ms
   * @param {number} [options.maxDelay]     longest reconnect delay, ms
   * @param {number} [options.jitter]       0..1, random share of each delay
   */
  constructor({ auth = () => ({}), url = engineURL(), minDelay = 500, maxDelay = 10000, jitter = 0.5 } = {}) {
    super();
    this.auth = auth;
    this.url = url;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.jitter = jitter;
    this.state = "closed";
    this.engine = null;
    this.sid = null;
    this.attempt = 0;
    this.retryTimer = 0;
    this.retryAt = 0;
    this.wanted = false;
    this.nextAckId = 1;
    this.acks = new Map(); // id → {resolve, reject, timer}
  }

  get connected() {
    return this.state === "connected";
  }

  /** Starts connecting (and keeps reconnecting until close()). */
  connect() {
    this.wanted = true;
    if (this.engine || this.retryTimer) return this;
    this.openEngine();
    return this;
  }

  /** Reconnects at once if waiting for the next attempt (e.g. the browser came back online). */
  retryNow() {
    if (!this.wanted || this.engine) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.openEngine();
  }

  /** Closes for good (log out): no reconnection. */
  close() {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.hangUp("client close");
    this.setState("closed");
  }

  /** Drops the current connection and reconnects at once (e.g. when the identity changes). */
  reconnect() {
    if (!this.engine) return this.retryNow();
    this.hangUp("client reconnect");
    this.attempt = 0;
    this.retryNow();
  }

  /**
   * Leaves the current connection: DISCONNECT, then the server closes the WebSocket (see
   * EngineIOConnection.closeGracefully). From here on nothing from that connection is looked at.
   */
  hangUp(reason) {
    const engine = this.engine;
    if (!engine) return;
    const wasConnected = this.state === "connected";
    this.engine = null;
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    if (wasConnected) {
      engine.send(TYPE.DISCONNECT);
      engine.closeGracefully();
    } else {
      engine.close(reason);
    }
    this.lost(reason, { retry: false });
  }

  openEngine() {
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const engine = new EngineIOConnection(this.url);
    this.engine = engine;
    engine.addEventListener("open", () => {
      if (this.engine !== engine) return;
      let auth = {};
      try {
        auth = this.auth() || {};
      } catch {
        auth = {};
      }
      engine.send(TYPE.CONNECT + JSON.stringify(auth));
    });
    engine.addEventListener("message", (event) => {
      if (this.engine === engine) this.receive(event.detail);
    });
    engine.addEventListener("close", (event) => {
      if (this.engine === engine) this.lost(event.detail);
    });
    engine.open();
  }

  receive(packet) {
    const type = packet[0];
    let rest = packet.slice(1);
    // A namespace other than "/" would come as "/name,"; this client only uses "/".
    if (rest.startsWith("/")) {
      const comma = rest.indexOf(",");
      rest = comma >= 0 ? rest.slice(comma + 1) : "";
    }
    const digits = /^\d*/.exec(rest)[0];
    const id = digits ? Number(digits) : null;
    const body = rest.slice(digits.length);
    let data = null;
    if (body) {
      try {
        data = JSON.parse(body);
      } catch {
        return; // a malformed packet is dropped, not fatal
      }
    }
    switch (type) {
      case TYPE.CONNECT:
        this.sid = data && data.sid;
        this.attempt = 0;
        this.setState("connected");
        this.dispatchEvent(new CustomEvent("connect", { detail: { sid: this.sid } }));
        break;
      case TYPE.CONNECT_ERROR:
        this.dispatchEvent(new CustomEvent("connect_error", { detail: data }));
        this.engine.close("connect error");
        break;
      case TYPE.DISCONNECT:
        this.engine.close("server disconnect");
        break;
      case TYPE.EVENT:
        if (Array.isArray(data) && typeof data[0] === "string") {
          const [name, ...args] = data;
          const detail = { name, args };
          this.dispatchEvent(new CustomEvent("event", { detail }));
          this.dispatchEvent(new CustomEvent(`event:${name}`, { detail }));
        }
        break;
      case TYPE.ACK: {
        const pending = id === null ? null : this.acks.get(id);
        if (pending) {
          this.acks.delete(id);
          clearTimeout(pending.timer);
          pending.resolve(Array.isArray(data) ? data : []);
        }
        break;
      }
      default:
        break;
    }
  }

  lost(reason, { retry = true } = {}) {
    const wasConnected = this.state === "connected";
    this.engine = null;
    this.sid = null;
    for (const [id, pending] of this.acks) {
      clearTimeout(pending.timer);
      pending.reject(new DisconnectedError(reason));
      this.acks.delete(id);
    }
    if (wasConnected) this.dispatchEvent(new CustomEvent("disconnect", { detail: { reason } }));
    if (!retry) return;
    if (!this.wanted) {
      this.setState("closed");
      return;
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.attempt, 16));
    const delay = Math.round(base * (1 - this.jitter * Math.random()));
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = 0;
      this.openEngine();
    }, delay);
    this.setState("reconnecting", delay);
  }

  setState(state, retryIn = 0) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, attempt: this.attempt, retryIn } }));
  }

  /** Sends an event; false when not connected (nothing is buffered here). */
  emit(name, ...args) {
    if (!this.connected) return false;
    return this.engine.send(TYPE.EVENT + JSON.stringify([name, ...args]));
  }

  /** Sends an event asking for an ack; resolves with the ack's arguments. */
  emitWithAck(name, args, { timeout = 15000 } = {}) {
    if (!this.connected) return Promise.reject(new DisconnectedError("not connected"));
    const id = this.nextAckId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new AckTimeoutError(`no answer to ${name} within ${timeout} ms`));
      }, timeout);
      this.acks.set(id, { resolve, reject, timer });
      if (!this.engine.send(TYPE.EVENT + id + JSON.stringify([name, ...args]))) {
        clearTimeout(timer);
        this.acks.delete(id);
        reject(new DisconnectedError("not connected"));
      }
    });
  }

  /** Listens to one server event; returns a function that stops listening. */
  on(name, handler) {
    const listener = (event) => handler(...event.detail.args);
    this.addEventListener(`event:${name}`, listener);
    return () => this.removeEventListener(`event:${name}`, listener);
  }
}
