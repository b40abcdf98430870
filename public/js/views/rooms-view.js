// The room list: each room with its online count and unread badge, both live.

import { h } from "../dom.js";
import { store } from "../store.js";

export function roomsView() {
  const list = h("ul", { class: "room-list", testid: "room-list" });
  const empty = h("p", { class: "muted room-list-empty", testid: "room-list-empty" }, "Loading rooms…");
  const view = h(
    "nav",
    { class: "rooms", "aria-labelledby": "rooms-title", testid: "rooms-view" },
    h("h2", { id: "rooms-title", class: "pane-title" }, "Rooms"),
    empty,
    list,
  );
  const items = new Map(); // id → {li, link, online, badge}

  function render() {
    const rooms = store.get("rooms");
    const current = store.get("roomId");
    empty.hidden = rooms.length > 0;
    const seen = new Set();
    for (const room of rooms) {
      seen.add(room.id);
      let item = items.get(room.id);
      if (!item) {
        const online = h("span", { class: "room-online", testid: "room-online" });
        const badge = h("span", { class: "badge", testid: "room-unread" });
        const name = h("span", { class: "room-name", testid: "room-name" });
        const link = h(
          "a",
          { href: `#/room/${encodeURIComponent(room.id)}`, class: "room-link", testid: "room-item", dataset: { roomId: room.id } },
          h("span", { class: "room-icon", "aria-hidden": "true" }, "#"),
          h("span", { class: "room-text" }, name, online),
          badge,
        );
        item = { li: h("li", {}, link), link, online, badge, name };
        items.set(room.id, item);
      }
      list.append(item.li); // keeps the server's order
      item.name.textContent = room.name;
      item.online.textContent = `${room.online} online`;
      item.online.dataset.count = String(room.online);
      item.badge.textContent = room.unread > 99 ? "99+" : String(room.unread);
      item.badge.dataset.count = String(room.unread);
      item.badge.hidden = !(room.unread > 0);
      item.link.setAttribute("aria-label", `${room.name}, ${room.online} online${room.unread > 0 ? `, ${room.unread} unread` : ""}`);
      if (room.id === current) item.link.setAttribute("aria-current", "page");
      else item.link.removeAttribute("aria-current");
    }
    for (const [id, item] of items) {
      if (!seen.has(id)) {
        item.li.remove();
        items.delete(id);
      }
    }
  }

  const stops = [store.watch("rooms", render), store.watch("roomId", render)];
  view.dispose = () => stops.forEach((stop) => stop());
  return view;
}
