// The chat session: one Socket.IO connection for the logged-in user, the room list, the room shown.
// It feeds the store (connection state, rooms, online users) and the RoomModel of the room shown.

import * as api from "./api.js";
import { RoomModel } from "./room-model.js";
import { SocketIOClient } from "./socketio-client.js";
import { store } from "./store.js";

// The server pushes online lists only for the room a connection is in, so the room list asks for
// the others' counts now and then, and soon after any sign of activity (a `count` event).
const ROOMS_REFRESH_MS = 10000;
const ROOMS_SOON_MS = 1000;

export const SESSION_EXPIRED = "Your session has expired or was ended. Please log in again.";

class Chat extends EventTarget {
  constructor() {
    super();
    this.socket = null;
    this.room = null; // RoomModel of the room shown
    this.roomsTimer = 0;
    this.countVersion = 0;
    this.soonTimer = 0;
    this.verifiedAt = Date.now();
    this.started = false;
  }

  token() {
    return store.get("session")?.token || "";
  }

  email() {
    return store.get("session")?.email || "";
  }

  /** After a login (or at page load with a stored session): connect and load the rooms. */
  start() {
    if (this.started) return;
    this.started = true;
    const socket = new SocketIOClient({ auth: () => ({ token: this.token() }) });
    this.socket = socket;
    socket.addEventListener("state", (event) => store.set({ connection: { ...event.detail } }));
    socket.addEventListener("connect", () => this.connected());
    socket.addEventListener("disconnect", () => this.room && this.room.connectionLost());
    socket.on("message", (message) => this.onMessage(message));
    socket.on("room", (map) => this.onOnline(map));
    socket.on("roomout", (map) => this.onOnline(map));
    socket.on("count", (counts) => this.onCount(counts));
    socket.on("error", (error) => this.onServerError(error));
    // The server says an event had no valid identity ("登录后才能进入聊天室"): the token may have been
    // revoked (logout elsewhere) or expired. The HTTP API confirms before the user is sent away.
    socket.on("login", () => this.verifySession());
    socket.connect();
    this.refreshRooms();
    this.roomsTimer = setInterval(() => this.refreshRooms(), ROOMS_REFRESH_MS);
    this.onOnlineEvent = () => socket.retryNow();
    window.addEventListener("online", this.onOnlineEvent);
    // Back to the tab: fresh counts, and (at most once a minute) whether the token is still valid,
    // since a page that sends nothing would not otherwise learn that it was revoked.
    this.onVisible = () => {
      if (document.visibilityState !== "visible") return;
      this.refreshRoomsSoon();
      if (Date.now() - this.verifiedAt > 60000) {
        this.verifiedAt = Date.now();
        this.verifySession();
      }
    };
    document.addEventListener("visibilitychange", this.onVisible);
  }

  refreshRoomsSoon() {
    if (this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = 0;
      this.refreshRooms();
    }, ROOMS_SOON_MS);
  }

  stop() {
    if (!this.started) return;
    this.started = false;
    clearInterval(this.roomsTimer);
    clearTimeout(this.soonTimer);
    this.soonTimer = 0;
    window.removeEventListener("online", this.onOnlineEvent);
    document.removeEventListener("visibilitychange", this.onVisible);
    if (this.room) this.room.dispose();
    this.room = null;
    this.socket.close();
    this.socket = null;
    store.set({ rooms: [], roomId: null, online: [], connection: { state: "closed", retryIn: 0 } });
  }

  /** Checks the stored token with the server; an invalid one logs out. Returns false when it did. */
  async verifySession() {
    const session = store.get("session");
    if (!session) return false;
    try {
      const user = await api.currentUser(session.token);
      if (store.get("session")?.token === session.token) {
        store.set({
          session: {
            ...session,
            id: String(user.id ?? session.id ?? ""),
            email: String(user.email ?? session.email),
            name: String(user.name ?? session.name),
            avatar: String(user.avatar ?? session.avatar),
          },
        });
      }
      return true;
    } catch (error) {
      if (error.auth && store.get("session")?.token === session.token) {
        this.expire();
        return false;
      }
      return true; // cannot tell (server unreachable): keep the session
    }
  }

  /** The token is no longer valid: back to the login form with a message. */
  expire(message = SESSION_EXPIRED) {
    const session = store.get("session");
    if (!session) return;
    this.stop();
    store.set({ session: null, notice: message, lastEmail: session.email });
    this.dispatchEvent(new CustomEvent("loggedout"));
  }

  async logout() {
    const token = this.token();
    const email = this.email();
    this.stop();
    store.set({ session: null, notice: "You are logged out.", lastEmail: email });
    this.dispatchEvent(new CustomEvent("loggedout"));
    try {
      await api.logout(token);
    } catch {
      /* the token stays valid on the server only if it cannot be reached; nothing else to do */
    }
  }

  // ------------------------------------------------------------------------------ connection

  connected() {
    const token = this.token();
    this.socket.emit("login", { api_token: token });
    this.refreshRooms();
    if (this.room) {
      this.socket.emit("room", { roomid: this.room.roomId, api_token: token });
      this.room.resync();
    }
  }

  async refreshRooms() {
    const token = this.token();
    if (!token) return;
    const version = this.countVersion;
    let rooms;
    try {
      rooms = await api.rooms(token);
    } catch {
      return; // shown as it was; the next refresh tries again
    }
    if (!this.started) return;
    const current = store.get("roomId");
    const known = new Map(store.get("rooms").map((room) => [String(room.id), room]));
    store.set({
      rooms: rooms.map((room) => {
        const id = String(room.id);
        const before = known.get(id);
        // A `count` event that came while this request was on its way is newer than its answer.
        const unread = id === current ? 0 : version !== this.countVersion && before ? before.unread : Number(room.unread) || 0;
        const online = id === current && before ? before.online : Number(room.online) || 0;
        return { id, name: String(room.name), online, unread };
      }),
    });
  }

  // ------------------------------------------------------------------------------ rooms

  /** Shows room `id`: joins it on the socket and loads its history. */
  enterRoom(id) {
    id = String(id);
    if (this.room && this.room.roomId === id) return this.room;
    if (this.room) this.room.dispose();
    const room = new RoomModel(id, { socket: this.socket, token: () => this.token(), email: () => this.email() });
    this.room = room;
    store.set({ roomId: id, online: [] });
    store.updateRoom(id, { unread: 0 });
    if (this.socket.connected) {
      // The server leaves the previous room itself (one room per connection).
      this.socket.emit("room", { roomid: id, api_token: this.token() });
      room.resync();
    } else {
      room.loadFirstPage();
    }
    return room;
  }

  leaveRoom() {
    if (!this.room) return;
    const id = this.room.roomId;
    this.room.dispose();
    this.room = null;
    store.set({ roomId: null, online: [] });
    this.socket.emit("roomout", { roomid: id, api_token: this.token() });
    this.refreshRooms();
  }

  // ------------------------------------------------------------------------------ server events

  onMessage(message) {
    if (!message || typeof message !== "object") return;
    if (this.room && String(message.roomid) === this.room.roomId) this.room.receiveLive(message);
  }

  /** `room`/`roomout`: the online map of the room this connection is in. */
  onOnline(map) {
    if (!this.room || !map || typeof map !== "object") return;
    const online = Object.entries(map)
      .map(([key, user]) => ({
        id: String(user?.id ?? key),
        name: String(user?.name ?? ""),
        avatar: typeof user?.avatar === "string" ? user.avatar : typeof user?.src === "string" ? user.src : "",
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    store.set({ online });
    store.updateRoom(this.room.roomId, { online: online.length });
  }

  onCount(counts) {
    if (!counts || typeof counts !== "object") return;
    this.countVersion += 1;
    const current = store.get("roomId");
    let unknown = false;
    const rooms = store.get("rooms").map((room) => {
      if (!(room.name in counts)) return room;
      const unread = String(room.id) === current ? 0 : Math.max(0, Number(counts[room.name]) || 0);
      return unread === room.unread ? room : { ...room, unread };
    });
    for (const name of Object.keys(counts)) if (!store.roomByName(name)) unknown = true;
    store.set({ rooms });
    if (unknown) this.refreshRooms();
    else this.refreshRoomsSoon();
  }

  onServerError(error) {
    const message = String(error?.message ?? "The server refused the request.");
    if (error?.event === "message" && this.room) this.room.refused(message);
    else this.dispatchEvent(new CustomEvent("notice", { detail: { message } }));
  }
}

export const chat = new Chat();
