// The page's state in one place, with change notifications, and the session kept in localStorage.
//
// state = {
//   session:    {token, email, name, avatar} | null      (persisted)
//   notice:     a message for the login form ("your session has expired", ...) | ""
//   lastEmail:  the account that was logged out, to fill in the login form
//   connection: {state: connecting|connected|reconnecting|closed, retryIn}
//   rooms:      [{id, name, online, unread}]             (the room list)
//   roomId:     the room shown, or null
//   online:     [{id, name, avatar}]                      (who is in the room shown)
// }
// Messages are not kept here: the room model (chat.js) owns them and tells the room view directly.

const SESSION_KEY = "chatroom.session";

function loadSession() {
  try {
    const value = JSON.parse(window.localStorage.getItem(SESSION_KEY) || "null");
    if (value && typeof value.token === "string" && value.token && typeof value.email === "string") return value;
  } catch {
    /* unreadable: logged out */
  }
  return null;
}

function saveSession(session) {
  try {
    if (session) window.localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else window.localStorage.removeItem(SESSION_KEY);
  } catch {
    /* private mode without storage: the session lasts as long as the page */
  }
}

class Store extends EventTarget {
  constructor() {
    super();
    this.state = {
      session: loadSession(),
      notice: "",
      lastEmail: "",
      connection: { state: "closed", retryIn: 0 },
      rooms: [],
      roomId: null,
      online: [],
    };
    // Another tab logged in or out: follow it.
    window.addEventListener("storage", (event) => {
      if (event.key === SESSION_KEY) this.set({ session: loadSession() }, { persist: false });
    });
  }

  get(key) {
    return this.state[key];
  }

  /** Merges `patch` into the state and tells the listeners of every key that changed. */
  set(patch, { persist = true } = {}) {
    const changed = [];
    for (const [key, value] of Object.entries(patch)) {
      if (this.state[key] !== value) {
        this.state[key] = value;
        changed.push(key);
      }
    }
    if (persist && changed.includes("session")) saveSession(this.state.session);
    for (const key of changed) this.dispatchEvent(new CustomEvent(key, { detail: this.state[key] }));
    return changed.length > 0;
  }

  /** Calls fn(value) now and on every change of `key`; returns a function that stops it. */
  watch(key, fn) {
    const listener = (event) => fn(event.detail);
    this.addEventListener(key, listener);
    fn(this.state[key]);
    return () => this.removeEventListener(key, listener);
  }

  updateRoom(id, patch) {
    const rooms = this.state.rooms.map((room) => (String(room.id) === String(id) ? { ...room, ...patch } : room));
    this.set({ rooms });
  }

  roomByName(name) {
    return this.state.rooms.find((room) => room.name === name) || null;
  }

  roomById(id) {
    return this.state.rooms.find((room) => String(room.id) === String(id)) || null;
  }
}

export const store = new Store();
