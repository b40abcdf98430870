// The page: hash routes, the shell (top bar, room list, main pane) and the views in it.
//
//   #/login  #/register      logged out (every other route sends there)
//   #/rooms                  the room list (on a wide screen beside an empty main pane)
//   #/room/<id>              a room (on a phone it replaces the list)
//   #/profile                the account: avatar, log out

import { chat } from "./chat.js";
import { avatar, h } from "./dom.js";
import { safeImageURL } from "./render-text.js";
import { store } from "./store.js";
import { authView } from "./views/auth-view.js";
import { profileView } from "./views/profile-view.js";
import { roomView } from "./views/room-view.js";
import { roomsView } from "./views/rooms-view.js";
import { statusView } from "./views/status-view.js";

const root = document.getElementById("app");
const wide = window.matchMedia("(min-width: 760px)");

let shell = null; // {element, main, dispose}
let mainView = null; // the view in the main pane: {key, element}

function parseRoute() {
  const hash = window.location.hash.replace(/^#/, "") || "/";
  const room = /^\/room\/([^/?#]+)$/.exec(hash);
  if (room) return { name: "room", id: decodeURIComponent(room[1]) };
  if (hash === "/login" || hash === "/register" || hash === "/rooms" || hash === "/profile") return { name: hash.slice(1) };
  return { name: "default" };
}

function go(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

function route() {
  const where = parseRoute();
  const session = store.get("session");
  if (!session) {
    if (where.name !== "login" && where.name !== "register") {
      window.location.replace("#/login");
      return;
    }
    showAuth(where.name);
    return;
  }
  if (where.name === "login" || where.name === "register" || where.name === "default") {
    window.location.replace("#/rooms");
    return;
  }
  showShell();
  chat.start();
  document.body.dataset.route = where.name;
  if (where.name === "room") {
    const room = chat.enterRoom(where.id);
    showMain(`room:${where.id}`, () => roomView(room, { token: () => chat.token() }));
    if (wide.matches) mainView.element.focusComposer?.();
  } else {
    chat.leaveRoom();
    if (where.name === "profile") {
      showMain("profile", () => profileView({ onLogout: () => chat.logout(), onAuthFailed: () => chat.verifySession() }));
    } else {
      showMain("welcome", welcomeView);
    }
  }
}

function showAuth(mode) {
  if (shell) {
    shell.dispose();
    shell = null;
    mainView = null;
  }
  document.body.dataset.route = "auth";
  document.title = mode === "register" ? "Sign up · ChatRoom" : "Log in · ChatRoom";
  root.replaceChildren(
    authView(mode, (user) => {
      store.set({
        session: {
          token: String(user.api_token),
          id: String(user.id ?? ""),
          email: String(user.email),
          name: String(user.name || String(user.email).split("@")[0]),
          avatar: String(user.avatar || ""),
        },
      });
      go("#/rooms");
    }),
  );
}

function showShell() {
  if (shell) return;
  const status = statusView(() => chat.socket?.retryNow());
  const rooms = roomsView();
  const main = h("main", { class: "main", id: "main", testid: "main" });
  const me = h("a", { href: "#/profile", class: "me", testid: "profile-link", "aria-label": "Your account" });
  const toast = h("div", { class: "toast", role: "status", testid: "toast", hidden: true });
  const element = h(
    "div",
    { class: "shell" },
    h(
      "header",
      { class: "topbar" },
      h("a", { href: "#/rooms", class: "brand" }, h("img", { src: "/images/logo.svg", alt: "", width: 28, height: 28 }), h("span", {}, "ChatRoom")),
      status,
      me,
    ),
    h("div", { class: "layout" }, h("aside", { class: "sidebar" }, rooms), main),
    toast,
  );
  let toastTimer = 0;
  const onNotice = (event) => {
    toast.textContent = event.detail.message;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.hidden = true), 6000);
  };
  chat.addEventListener("notice", onNotice);
  const stops = [
    store.watch("session", (session) => {
      if (!session) return;
      me.replaceChildren(avatar(safeImageURL(session.avatar), session.name, "s"), h("span", { class: "me-name", testid: "me-name" }, session.name));
    }),
    store.watch("rooms", (list) => {
      const unread = list.reduce((sum, room) => sum + (room.unread || 0), 0);
      document.title = unread > 0 ? `(${unread}) ChatRoom` : "ChatRoom";
    }),
  ];
  root.replaceChildren(element);
  shell = {
    element,
    main,
    dispose() {
      chat.removeEventListener("notice", onNotice);
      stops.forEach((stop) => stop());
      status.dispose();
      rooms.dispose();
      mainView?.element.dispose?.();
      clearTimeout(toastTimer);
    },
  };
}

function showMain(key, make) {
  if (mainView && mainView.key === key) return;
  mainView?.element.dispose?.();
  const element = make();
  mainView = { key, element };
  shell.main.replaceChildren(element);
}

function welcomeView() {
  return h(
    "section",
    { class: "welcome", testid: "welcome" },
    h("img", { src: "/images/logo.svg", alt: "", width: 64, height: 64 }),
    h("h2", {}, "Pick a room"),
    h("p", { class: "muted" }, "Choose a room on the left to start chatting."),
  );
}

chat.addEventListener("loggedout", () => go("#/login"));
store.watch("connection", ({ state }) => {
  document.body.dataset.connection = state;
});
store.addEventListener("auth-failed", () => chat.verifySession());
window.addEventListener("hashchange", route);

// A stored token may have expired or been revoked (logged out elsewhere): check it before using it.
// Without an answer (server unreachable) the page starts anyway and keeps trying to connect.
async function boot() {
  if (store.get("session")) {
    root.replaceChildren(h("p", { class: "booting muted", role: "status", testid: "booting" }, "Loading…"));
    await chat.verifySession();
  }
  route();
}

boot();
