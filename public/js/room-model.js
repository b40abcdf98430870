// The messages of the room shown: kept by seq (the room's message sequence number) so that nothing
// is shown twice whatever way it came (live event, history page, catch-up after a reconnect), plus
// the outbox of the user's own messages on their way.
//
// Events (EventTarget, detail in CustomEvent.detail):
//   "added"    {messages}           messages new to the model, ascending by seq
//   "outbox"   {entries}            the outbox changed (entries in send order)
//   "history"  {loading, exhausted, error}
//   "error"    {message}            something to tell the user (a refused message, a failed fetch)

import * as api from "./api.js";
import { DisconnectedError } from "./socketio-client.js";

const GAP_RETRIES = 3;

export class RoomModel extends EventTarget {
  /**
   * @param {string} roomId
   * @param {{socket: import("./socketio-client.js").SocketIOClient, token: () => string, email: () => string}} deps
   */
  constructor(roomId, { socket, token, email }) {
    super();
    this.roomId = String(roomId);
    this.socket = socket;
    this.token = token;
    this.email = email;
    this.messages = new Map(); // seq → message
    this.syncedSeq = null; // every message up to this seq is here (null until the first page)
    this.history = { page: 0, total: 0, loading: false, exhausted: false, error: "" };
    this.catchingUp = null;
    this.catchUpAgain = false;
    this.gapTimer = 0;
    this.gapRetries = 0;
    this.outbox = []; // {key, msg, img, state: queued|sending|unsure|failed, error}
    this.nextKey = 1;
    this.joined = false;
    this.disposed = false;
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.gapTimer);
  }

  emit(type, detail) {
    if (!this.disposed) this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  isOwn(message) {
    return message.userid === this.email();
  }

  // ---------------------------------------------------------------------------------- messages

  /** Adds messages (any order, any source); returns those that were new. */
  add(list) {
    const fresh = [];
    for (const raw of list) {
      const message = normalise(raw);
      if (message === null || this.messages.has(message.seq)) continue;
      this.messages.set(message.seq, message);
      fresh.push(message);
      if (this.isOwn(message)) this.settleOwn(message);
    }
    if (fresh.length === 0) return fresh;
    fresh.sort((a, b) => a.seq - b.seq);
    this.emit("added", { messages: fresh });
    return fresh;
  }

  /** A live `message` event for this room. */
  receiveLive(raw) {
    this.add([raw]);
    this.advanceSynced();
  }

  /** Moves syncedSeq over the messages that follow it; a hole after it means we missed some. */
  advanceSynced() {
    if (this.syncedSeq === null) return;
    while (this.messages.has(this.syncedSeq + 1)) this.syncedSeq += 1;
    const newest = this.newestSeq();
    if (newest !== null && newest > this.syncedSeq) this.fillGapSoon();
    else this.gapRetries = 0;
  }

  /**
   * Live messages reach us before PostgreSQL has them, so a hole may not be fetchable yet: try a few
   * times, then accept it (a message that could not be stored leaves a seq that never appears).
   */
  fillGapSoon() {
    if (this.gapTimer) return;
    if (this.gapRetries >= GAP_RETRIES) {
      this.syncedSeq = this.newestSeq();
      this.gapRetries = 0;
      return;
    }
    this.gapRetries += 1;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = 0;
      this.catchUp();
    }, 300 * this.gapRetries);
  }

  newestSeq() {
    let newest = null;
    for (const seq of this.messages.keys()) if (newest === null || seq > newest) newest = seq;
    return newest;
  }

  oldestSeq() {
    let oldest = null;
    for (const seq of this.messages.keys()) if (oldest === null || seq < oldest) oldest = seq;
    return oldest;
  }

  // ---------------------------------------------------------------------------------- history

  setHistory(patch) {
    Object.assign(this.history, patch);
    const { loading, exhausted, error } = this.history;
    this.emit("history", { loading, exhausted, error });
  }

  /** Page 1 (the newest 20) when entering the room. */
  async loadFirstPage() {
    if (this.history.loading) return;
    this.setHistory({ loading: true, error: "" });
    try {
      const { messages, total } = await api.historyPage(this.roomId, 1, 0);
      if (this.disposed) return;
      this.history.page = 1;
      this.history.total = total;
      const newest = messages.reduce((max, m) => Math.max(max, Number(m.seq) || 0), 0);
      this.syncedSeq = Math.max(this.syncedSeq ?? 0, newest);
      this.add(messages);
      this.setHistory({ loading: false, exhausted: messages.length < api.HISTORY_PAGE_SIZE || total <= api.HISTORY_PAGE_SIZE });
      this.advanceSynced();
      // A message sent just before we joined reached neither us (not joined yet) nor that page (not
      // stored yet): look once more a moment later.
      setTimeout(() => this.disposed || this.catchUp(), 1500);
    } catch (error) {
      if (!this.disposed) this.setHistory({ loading: false, error: error.message });
    }
  }

  /** The next older page (scrolling up). */
  async loadOlder() {
    if (this.history.loading || this.history.exhausted || this.disposed) return;
    if (this.history.page === 0) return this.loadFirstPage();
    const page = this.history.page + 1;
    this.setHistory({ loading: true, error: "" });
    try {
      const { messages } = await api.historyPage(this.roomId, page, this.history.total);
      if (this.disposed) return;
      this.history.page = page;
      this.add(messages);
      this.setHistory({ loading: false, exhausted: messages.length < api.HISTORY_PAGE_SIZE });
    } catch (error) {
      if (!this.disposed) this.setHistory({ loading: false, error: error.message });
    }
  }

  /** Fetches every message after syncedSeq (after a reconnect, or to fill a hole). */
  async catchUp() {
    if (this.syncedSeq === null) return this.loadFirstPage();
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      try {
        for (;;) {
          const after = this.syncedSeq;
          const batch = await api.messagesAfter(this.roomId, after);
          if (this.disposed) return;
          this.add(batch);
          const last = batch.reduce((max, m) => Math.max(max, Number(m.seq) || 0), after);
          // What the server has is contiguous from `after` on: trust it as far as it goes.
          this.syncedSeq = Math.max(this.syncedSeq, last);
          if (batch.length < api.AFTER_LIMIT) break;
        }
        this.advanceSynced();
      } catch (error) {
        this.emit("error", { message: `Could not load the missed messages: ${error.message}` });
      } finally {
        this.catchingUp = null;
      }
      if (this.catchUpAgain && !this.disposed) {
        this.catchUpAgain = false;
        await this.catchUp();
      }
    })();
    return this.catchingUp;
  }

  /** After (re)joining the room on a (new) connection: fetch what was missed, then send the outbox. */
  async resync() {
    this.joined = true;
    if (this.syncedSeq === null) await this.loadFirstPage();
    else await this.catchUp();
    if (this.disposed) return;
    // Messages sent but never confirmed and not found in what the server has: send them again.
    for (const entry of this.outbox) if (entry.state === "unsure") entry.state = "queued";
    this.flush();
  }

  connectionLost() {
    this.joined = false;
    let changed = false;
    for (const entry of this.outbox) {
      if (entry.state === "sending") {
        entry.state = "unsure";
        changed = true;
      }
    }
    if (changed) this.emitOutbox();
  }

  // ---------------------------------------------------------------------------------- outbox

  emitOutbox() {
    this.emit("outbox", { entries: this.outbox.map((entry) => ({ ...entry })) });
  }

  /** Queues a text or image message; it is sent now when connected, else after the reconnect. */
  send({ msg = "", img = "" }) {
    this.outbox.push({ key: this.nextKey++, msg, img, state: "queued", error: "" });
    this.emitOutbox();
    this.flush();
  }

  flush() {
    if (!this.joined || !this.socket.connected || this.disposed) return;
    let changed = false;
    for (const entry of this.outbox) {
      if (entry.state !== "queued") continue;
      entry.state = "sending";
      changed = true;
      const payload = { roomid: this.roomId, msg: entry.msg, img: entry.img, api_token: this.token() };
      this.socket
        .emitWithAck("message", [payload])
        .then((args) => this.confirmed(entry, args[0]))
        .catch((error) => this.unconfirmed(entry, error));
    }
    if (changed) this.emitOutbox();
  }

  /** The server stored the message: {id, seq}. Its echo normally came before and settled it. */
  confirmed(entry, receipt) {
    if (!this.outbox.includes(entry)) return;
    this.outbox = this.outbox.filter((e) => e !== entry);
    this.emitOutbox();
    const seq = receipt && Number(receipt.seq);
    if (seq && !this.messages.has(seq)) this.catchUp();
  }

  unconfirmed(entry, error) {
    if (!this.outbox.includes(entry) || entry.state === "failed") return;
    // Disconnected, or no answer in time: it may have been stored. After a reconnect resync() finds
    // out; on a live connection a catch-up does, and what it did not find is sent again.
    entry.state = "unsure";
    this.emitOutbox();
    if (!(error instanceof DisconnectedError) && this.joined) this.catchUp().then(() => this.retryUnsure());
  }

  retryUnsure() {
    for (const entry of this.outbox) if (entry.state === "unsure") entry.state = "queued";
    this.flush();
  }

  /** One of our messages arrived (echo, history or catch-up): the oldest matching outbox entry is done. */
  settleOwn(message) {
    const index = this.outbox.findIndex(
      (entry) => (entry.state === "sending" || entry.state === "unsure") && entry.msg === message.msg && sameImage(entry.img, message.img),
    );
    if (index < 0) return;
    this.outbox.splice(index, 1);
    this.emitOutbox();
  }

  /** The server refused a message (`error` event for "message"): the oldest one in flight. */
  refused(reason) {
    const entry = this.outbox.find((e) => e.state === "sending");
    if (entry) {
      entry.state = "failed";
      entry.error = reason;
      this.emitOutbox();
    }
    this.emit("error", { message: reason });
  }

  discard(key) {
    this.outbox = this.outbox.filter((entry) => entry.key !== key);
    this.emitOutbox();
  }

  retry(key) {
    const entry = this.outbox.find((e) => e.key === key);
    if (!entry) return;
    entry.state = "queued";
    entry.error = "";
    this.emitOutbox();
    this.flush();
  }
}

function sameImage(sent, received) {
  return (sent || "") === (received || "");
}

/** A message from the server with the fields the page relies on, or null when it has no seq. */
function normalise(raw) {
  if (!raw || typeof raw !== "object") return null;
  const seq = Number(raw.seq);
  if (!Number.isSafeInteger(seq) || seq <= 0) return null;
  return {
    seq,
    id: raw.id ?? null,
    userid: String(raw.userid ?? ""),
    username: String(raw.username ?? ""),
    src: typeof raw.src === "string" ? raw.src : "",
    msg: typeof raw.msg === "string" ? raw.msg : "",
    img: typeof raw.img === "string" ? raw.img : "",
    roomid: String(raw.roomid ?? ""),
    time: raw.time ?? null,
  };
}
