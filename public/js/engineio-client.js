// A minimal Engine.IO protocol 4 client over one WebSocket (no polling, no binary).
//
// Wire format (EIO=4): every WebSocket text frame is one packet, its first character the type:
//   0 open {sid, upgrades, pingInterval, pingTimeout, maxPayload}   1 close   2 ping   3 pong
//   4 message   5 upgrade   6 noop
// The server pings every pingInterval; we answer each ping with a pong carrying the same payload,
// and give up on the connection when no ping comes for pingInterval + pingTimeout.
//
// One EngineIOConnection is one attempt: open it, listen, close it. Reconnecting is the job of the
// Socket.IO layer above (socketio-client.js), which makes a new connection each time.

const PACKET = { OPEN: "0", CLOSE: "1", PING: "2", PONG: "3", MESSAGE: "4", UPGRADE: "5", NOOP: "6" };

/** The WebSocket URL of the Engine.IO endpoint of the page's own server. */
export function engineURL(path = "/socket.io/", base = window.location.href) {
  const url = new URL(path, base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("EIO", "4");
  url.searchParams.set("transport", "websocket");
  return url.toString();
}

export class EngineIOConnection extends EventTarget {
  /**
   * @param {string} url  ws(s)://…/socket.io/?EIO=4&transport=websocket
   * @param {{openTimeout?: number}} options  milliseconds to wait for the open packet
   */
  constructor(url, { openTimeout = 10000 } = {}) {
    super();
    this.url = url;
    this.openTimeout = openTimeout;
    this.state = "new"; // new → opening → open → closed
    this.handshake = null;
    this.ws = null;
    this.watchdog = 0;
    this.openTimer = 0;
    this.graceTimer = 0;
  }

  open() {
    if (this.state !== "new") throw new Error("an EngineIOConnection opens once");
    this.state = "opening";
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (error) {
      queueMicrotask(() => this.finish(`cannot open: ${error.message}`));
      return this;
    }
    this.ws = ws;
    this.openTimer = setTimeout(() => this.finish("open timeout"), this.openTimeout);
    ws.addEventListener("message", (event) => this.receive(event.data));
    ws.addEventListener("close", (event) => this.finish(event.code === 1000 ? "transport close" : `transport close (${event.code})`));
    // An error is always followed by close; the close reason is the one reported.
    ws.addEventListener("error", () => {});
    return this;
  }

  receive(data) {
    if (typeof data !== "string" || data.length === 0) return; // no binary in this protocol use
    const type = data[0];
    const payload = data.slice(1);
    switch (type) {
      case PACKET.OPEN: {
        let handshake;
        try {
          handshake = JSON.parse(payload);
        } catch {
          this.finish("bad open packet");
          return;
        }
        clearTimeout(this.openTimer);
        this.handshake = handshake;
        this.state = "open";
        this.armWatchdog();
        this.dispatchEvent(new CustomEvent("open", { detail: handshake }));
        break;
      }
      case PACKET.PING:
        this.armWatchdog();
        this.sendRaw(PACKET.PONG + payload);
        break;
      case PACKET.MESSAGE:
        this.armWatchdog();
        this.dispatchEvent(new CustomEvent("message", { detail: payload }));
        break;
      case PACKET.CLOSE:
        this.finish("server close");
        break;
      default: // pong, noop, upgrade: nothing to do
        break;
    }
  }

  /** Re-arms the heartbeat watchdog: the server must ping within pingInterval + pingTimeout. */
  armWatchdog() {
    clearTimeout(this.watchdog);
    const { pingInterval = 25000, pingTimeout = 20000 } = this.handshake || {};
    this.watchdog = setTimeout(() => this.finish("ping timeout"), pingInterval + pingTimeout + 1000);
  }

  /** Sends an Engine.IO message packet (the Socket.IO packet is its payload). */
  send(text) {
    if (this.state !== "open") return false;
    return this.sendRaw(PACKET.MESSAGE + text);
  }

  sendRaw(text) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** Closes the WebSocket now (as engine.io-client does on this transport: no close packet). */
  close(reason = "client close") {
    this.finish(reason);
  }

  /**
   * Lets the server close the WebSocket (after the Socket.IO layer said goodbye), closing it here
   * only if the server has not within `timeout` ms. With the closing handshake started by the server,
   * the two sides never send their close frames at the same time.
   */
  closeGracefully(timeout = 1000) {
    if (this.state !== "open") {
      this.finish("client close");
      return;
    }
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => this.finish("client close"), timeout);
  }

  finish(reason) {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.watchdog);
    clearTimeout(this.openTimer);
    clearTimeout(this.graceTimer);
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.close(1000);
    } else if (ws && ws.readyState === WebSocket.CONNECTING) {
      // Closing a WebSocket that is still connecting makes the browser log a failure: let it
      // open first, then close it.
      ws.addEventListener("open", () => ws.close(1000), { once: true });
    }
    this.dispatchEvent(new CustomEvent("close", { detail: reason }));
  }
}
