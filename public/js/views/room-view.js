// A room: who is online, the messages (history above, live below, own on the right), the composer
// (Enter sends, Shift+Enter is a new line) and images (pick, paste or drop, with upload progress).

import * as api from "../api.js";
import { avatar, h } from "../dom.js";
import { longTime, megabytes, parseTime, shortTime } from "../format.js";
import { renderText, safeImageURL } from "../render-text.js";
import { store } from "../store.js";

const NEAR_BOTTOM = 80; // px: closer than this to the end counts as "at the end"
const NEAR_TOP = 120; // px: closer than this to the start loads older messages
const GROUP_MS = 5 * 60 * 1000; // consecutive messages of one author within this are grouped
const MAX_AVATARS = 5;

/**
 * @param {import("../room-model.js").RoomModel} model
 * @param {{token: () => string}} deps
 */
export function roomView(model, { token }) {
  const roomName = () => store.roomById(model.roomId)?.name || `Room ${model.roomId}`;

  // ---------------------------------------------------------------- header: name, online users
  const title = h("h2", { id: "room-title", class: "room-title", testid: "room-title" });
  const onlineCount = h("span", { class: "online-count", testid: "online-count" }, "0");
  const avatars = h("span", { class: "online-avatars", testid: "online-avatars", "aria-hidden": "true" });
  const onlineList = h("ul", { class: "online-list", testid: "online-users" });
  const online = h(
    "details",
    { class: "online", testid: "online" },
    h("summary", { "aria-label": "Who is online" }, avatars, h("span", { class: "online-label" }, onlineCount, " online")),
    h("div", { class: "online-popover" }, h("h3", {}, "Online now"), onlineList),
  );
  const header = h(
    "header",
    { class: "room-header" },
    h("a", { href: "#/rooms", class: "back icon-button", testid: "leave-room", "aria-label": "Leave the room (back to the room list)", title: "Leave the room" }, "‹"),
    title,
    online,
  );

  // ---------------------------------------------------------------- messages
  const historyState = h("div", { class: "history-state", testid: "history-state" });
  const items = h("ol", { class: "message-items", testid: "message-items" });
  const outbox = h("ol", { class: "message-items outbox", testid: "outbox" });
  const scroller = h(
    "div",
    { class: "messages", testid: "message-list", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Messages", tabindex: "0" },
    historyState,
    items,
    outbox,
  );
  const jump = h("button", { type: "button", class: "jump", testid: "jump-to-latest", hidden: true }, "New messages ↓");

  // ---------------------------------------------------------------- composer, uploads, errors
  const errorText = h("span", { class: "error-text", testid: "room-error-text" });
  const errorBox = h(
    "div",
    { class: "room-error", role: "alert", testid: "room-error", hidden: true },
    errorText,
    h("button", { type: "button", class: "icon-button", "aria-label": "Dismiss", onclick: () => hideError() }, "×"),
  );
  const progress = h("progress", { max: "1", value: "0", testid: "upload-bar" });
  const progressLabel = h("span", { class: "upload-label", testid: "upload-label" });
  const cancelUpload = h("button", { type: "button", class: "link-button", testid: "upload-cancel" }, "Cancel");
  const uploadBox = h("div", { class: "upload", testid: "upload-progress", hidden: true, role: "status" }, progressLabel, progress, cancelUpload);

  const fileInput = h("input", { type: "file", accept: "image/*", multiple: true, class: "visually-hidden", id: "image-input", testid: "image-input" });
  const input = h("textarea", {
    id: "composer-input", rows: "1", maxlength: "1000", testid: "composer-input", "aria-label": "Message",
    placeholder: "Write a message…", enterkeyhint: "send", autocomplete: "off",
  });
  const send = h("button", { type: "submit", class: "primary send", testid: "send-button", "aria-label": "Send" }, "Send");
  const composer = h(
    "form",
    { class: "composer", testid: "composer" },
    h("label", { for: "image-input", class: "attach icon-button", title: "Send an image", "aria-label": "Send an image" }, h("img", { src: "/images/icon-image.svg", alt: "", width: 24, height: 24 }), fileInput),
    input,
    send,
  );
  const hint = h("p", { class: "composer-hint muted" }, "Enter sends · Shift+Enter new line · paste or drop an image");
  const dropOverlay = h("div", { class: "drop-overlay", hidden: true }, "Drop an image to send it");

  const view = h(
    "section",
    { class: "room", testid: "room-view", "aria-labelledby": "room-title", dataset: { roomId: model.roomId } },
    header,
    scroller,
    jump,
    errorBox,
    uploadBox,
    composer,
    hint,
    dropOverlay,
  );

  const elements = new Map(); // seq → li
  let unseenBelow = 0;
  let errorTimer = 0;

  // ---------------------------------------------------------------- rendering messages

  function messageElement(message) {
    const own = model.isOwn(message);
    const date = parseTime(message.time);
    const time = h("time", { datetime: date ? date.toISOString() : "", title: longTime(date) }, shortTime(date));
    const body = h("div", { class: message.img && !message.msg ? "bubble media" : "bubble" });
    if (message.img) {
      const url = safeImageURL(message.img);
      if (url) {
        const img = h("img", { class: "picture", alt: `Image from ${message.username || "someone"}`, testid: "message-image", decoding: "async" });
        const frame = h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "picture-frame" }, img);
        img.addEventListener("load", () => imageSettled(frame, "loaded"), { once: true });
        img.addEventListener("error", () => imageSettled(frame, "broken"), { once: true });
        img.src = url;
        body.append(frame);
      }
    }
    if (message.msg) body.append(renderText(h("p", { class: "text", testid: "message-text" }), message.msg));
    const li = h(
      "li",
      { class: `message ${own ? "mine" : "theirs"}`, testid: "message", dataset: { seq: String(message.seq), own: own ? "true" : "false", author: message.username } },
      avatar(safeImageURL(message.src), message.username, "s"),
      h("div", { class: "message-main" }, h("div", { class: "meta" }, h("span", { class: "author", testid: "message-author" }, message.username), " ", time), body),
    );
    li.dataset.time = date ? String(date.getTime()) : "";
    li.dataset.userid = message.userid;
    return li;
  }

  /**
   * An image frame keeps a placeholder height until its image has loaded, then takes the image's
   * size; a message above the visible part that grows this way moves the view by as much, so
   * what the user is reading stays where it is (and the end stays in view when it was).
   */
  function imageSettled(frame, state) {
    const li = frame.closest("li");
    if (!li || !li.isConnected) {
      frame.classList.add(state);
      return;
    }
    const stick = atBottom();
    const top = li.offsetTop;
    const before = li.offsetHeight;
    frame.classList.add(state);
    const delta = li.offsetHeight - before;
    if (stick) scrollToBottom();
    else if (delta !== 0 && top + before <= scroller.scrollTop + 1) scroller.scrollTop += delta;
  }

  /**
   * Messages by the same author within a few minutes form a group: the name and time on its first
   * message ("continued" ones hide theirs), the avatar beside its last ("followed" ones hide theirs).
   */
  function regroup(li) {
    if (!li || !li.classList.contains("message")) return;
    const previous = li.previousElementSibling;
    const continued = Boolean(previous) && previous.dataset.userid === li.dataset.userid && Number(li.dataset.time) - Number(previous.dataset.time) < GROUP_MS;
    li.classList.toggle("continued", continued);
    if (previous) previous.classList.toggle("followed", continued);
  }

  /** The first message at least partly visible, and where it is: kept in place when content is added above it. */
  function anchor() {
    const top = scroller.scrollTop;
    for (const li of items.children) {
      if (li.offsetTop + li.offsetHeight > top) return { li, offset: li.offsetTop - top };
    }
    return null;
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    unseenBelow = 0;
    jump.hidden = true;
  }

  function insert(messages) {
    const stick = atBottom() || items.children.length === 0;
    const keep = anchor();
    let newestBefore = items.lastElementChild ? Number(items.lastElementChild.dataset.seq) : 0;
    let addedBelow = 0;
    let ownBelow = false;
    for (const message of messages) {
      const li = messageElement(message);
      elements.set(message.seq, li);
      // Find the first element with a larger seq (messages arrive mostly at either end).
      let next = null;
      if (message.seq < newestBefore) {
        for (const child of items.children) {
          if (Number(child.dataset.seq) > message.seq) {
            next = child;
            break;
          }
        }
      }
      items.insertBefore(li, next);
      regroup(li);
      regroup(li.nextElementSibling);
      if (!next) {
        addedBelow += 1;
        if (model.isOwn(message)) ownBelow = true;
        newestBefore = message.seq;
      }
    }
    if (stick || ownBelow) {
      scrollToBottom();
    } else {
      if (keep) scroller.scrollTop = keep.li.offsetTop - keep.offset;
      if (addedBelow > 0 && !atBottom()) {
        unseenBelow += addedBelow;
        jump.textContent = `${unseenBelow} new message${unseenBelow === 1 ? "" : "s"} ↓`;
        jump.hidden = false;
      }
    }
    renderHistory(model.history);
    fillViewport();
  }

  function renderOutbox(entries) {
    const stick = atBottom();
    outbox.replaceChildren(
      ...entries.map((entry) => {
        const body = h("div", { class: entry.img && !entry.msg ? "bubble media" : "bubble" });
        if (entry.img) {
          const img = h("img", { class: "picture", alt: "Your image", decoding: "async" });
          img.src = safeImageURL(entry.img);
          body.append(h("span", { class: "picture-frame loaded" }, img));
        }
        if (entry.msg) body.append(renderText(h("p", { class: "text" }), entry.msg));
        const status = {
          queued: store.get("connection").state === "connected" ? "Sending…" : "Waiting for the connection…",
          sending: "Sending…",
          unsure: "Checking whether it was delivered…",
          failed: `Not sent: ${entry.error}`,
        }[entry.state];
        const actions =
          entry.state === "failed"
            ? [
                h("button", { type: "button", class: "link-button", onclick: () => model.retry(entry.key) }, "Retry"),
                entry.msg && !entry.img
                  ? h("button", { type: "button", class: "link-button", onclick: () => editFailed(entry) }, "Edit")
                  : null,
                h("button", { type: "button", class: "link-button", onclick: () => model.discard(entry.key) }, "Remove"),
              ]
            : [];
        return h(
          "li",
          { class: `message mine pending state-${entry.state}`, testid: "pending-message", dataset: { state: entry.state } },
          h("div", { class: "message-main" }, body, h("div", { class: "meta pending-status" }, status, " ", ...actions)),
        );
      }),
    );
    if (stick) scrollToBottom();
  }

  /** A refused text goes back into the message box, to be shortened or changed. */
  function editFailed(entry) {
    model.discard(entry.key);
    input.value = entry.msg;
    autosize();
    input.focus();
  }

  function renderHistory({ loading, exhausted, error }) {
    historyState.replaceChildren();
    historyState.dataset.state = loading ? "loading" : error ? "error" : exhausted ? "start" : "more";
    if (loading) historyState.append(h("span", { class: "spinner", "aria-hidden": "true" }), " Loading messages…");
    else if (error) historyState.append(`Could not load messages: ${error} `, h("button", { type: "button", class: "link-button", onclick: () => model.loadOlder() }, "Try again"));
    else if (exhausted) historyState.append(elements.size ? "This is the beginning of the conversation." : "No messages yet. Say hello!");
    else historyState.append(h("button", { type: "button", class: "link-button", testid: "load-older", onclick: () => model.loadOlder() }, "Show older messages"));
  }

  /** While the messages do not fill the view, nothing can be scrolled: load older pages right away. */
  function fillViewport() {
    if (!model.history.loading && !model.history.exhausted && !model.history.error && model.history.page > 0 && scroller.scrollHeight <= scroller.clientHeight + NEAR_TOP) {
      model.loadOlder();
    }
  }

  // Whether the end was in view at the last scroll: when the list gets shorter (an error or the
  // upload bar appears, a phone keyboard opens) the end stays in view.
  let endInView = true;
  scroller.addEventListener("scroll", () => {
    endInView = atBottom();
    if (scroller.scrollTop < NEAR_TOP) model.loadOlder();
    if (endInView) {
      unseenBelow = 0;
      jump.hidden = true;
    }
  }, { passive: true });
  const resize = new ResizeObserver(() => {
    if (endInView) scroller.scrollTop = scroller.scrollHeight;
  });
  resize.observe(scroller);
  jump.addEventListener("click", scrollToBottom);

  // ---------------------------------------------------------------- online users

  function renderOnline(users) {
    onlineCount.textContent = String(users.length);
    onlineCount.dataset.count = String(users.length);
    const shown = users.slice(0, MAX_AVATARS).map((user) => {
      const img = avatar(safeImageURL(user.avatar), user.name, "xs");
      img.dataset.testid = "online-avatar";
      img.title = user.name;
      return img;
    });
    if (users.length > MAX_AVATARS) shown.push(h("span", { class: "more" }, `+${users.length - MAX_AVATARS}`));
    avatars.replaceChildren(...shown);
    const me = store.get("session")?.id;
    onlineList.replaceChildren(
      ...users.map((user) =>
        h("li", { testid: "online-user", dataset: { userId: user.id } },
          avatar(safeImageURL(user.avatar), user.name, "s"),
          h("span", {}, user.name, user.id === me ? h("span", { class: "muted" }, " (you)") : null)),
      ),
    );
  }

  // The online list closes on Escape and on a click anywhere else.
  const closeOnline = (event) => {
    if (!online.open) return;
    if (event.type === "keydown" ? event.key === "Escape" : !online.contains(event.target)) online.open = false;
  };
  document.addEventListener("click", closeOnline);
  document.addEventListener("keydown", closeOnline);

  // ---------------------------------------------------------------- errors

  function showError(message) {
    errorText.textContent = message;
    errorBox.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(hideError, 15000);
  }

  function hideError() {
    errorBox.hidden = true;
    clearTimeout(errorTimer);
  }

  // ---------------------------------------------------------------- sending

  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    model.send({ msg: text });
    input.value = "";
    autosize();
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("input", autosize);

  // Images: one upload at a time, in the order given.
  const uploads = [];
  let uploading = null;

  function queueImages(files) {
    for (const file of files) uploads.push(file);
    nextUpload();
  }

  function nextUpload() {
    if (uploading || uploads.length === 0) return;
    const file = uploads.shift();
    const label = `${file.name || "image"} (${megabytes(file.size)})`;
    progressLabel.textContent = `Uploading ${label}…`;
    progress.value = 0;
    uploadBox.hidden = false;
    const job = api.uploadImage(file, model.roomId, token(), (fraction) => {
      progress.value = fraction;
      progressLabel.textContent = `Uploading ${label}… ${Math.round(fraction * 100)}%`;
    });
    uploading = job;
    cancelUpload.onclick = () => job.abort();
    job.promise
      .then((url) => {
        if (!url) throw new Error("The server did not say where the image is.");
        model.send({ img: url });
      })
      .catch((error) => {
        if (error.status !== -1) showError(`Image not sent: ${error.message}`);
        if (error.auth) store.dispatchEvent(new CustomEvent("auth-failed"));
      })
      .finally(() => {
        uploading = null;
        uploadBox.hidden = uploads.length === 0;
        nextUpload();
      });
  }

  fileInput.addEventListener("change", () => {
    const files = [...fileInput.files];
    fileInput.value = "";
    queueImages(files);
  });
  input.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length === 0) return;
    event.preventDefault();
    queueImages(files);
  });
  let dragDepth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  view.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth += 1;
    dropOverlay.hidden = false;
  });
  view.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  view.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) dropOverlay.hidden = true;
  });
  view.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    dropOverlay.hidden = true;
    queueImages([...event.dataTransfer.files]);
  });

  // ---------------------------------------------------------------- wiring

  const listeners = [
    ["added", (event) => insert(event.detail.messages)],
    ["outbox", (event) => renderOutbox(event.detail.entries)],
    ["history", (event) => {
      renderHistory(event.detail);
      if (!event.detail.loading) fillViewport();
    }],
    ["error", (event) => showError(event.detail.message)],
  ];
  for (const [type, fn] of listeners) model.addEventListener(type, fn);

  const stops = [
    store.watch("online", renderOnline),
    store.watch("rooms", () => {
      title.textContent = roomName();
      input.placeholder = `Message ${roomName()}…`;
    }),
    store.watch("connection", () => renderOutbox(model.outbox)),
  ];

  // What the model already has (a view made for a room that was open before).
  const existing = [...model.messages.values()].sort((a, b) => a.seq - b.seq);
  if (existing.length) insert(existing);
  renderHistory(model.history);
  renderOutbox(model.outbox);

  view.dispose = () => {
    for (const [type, fn] of listeners) model.removeEventListener(type, fn);
    stops.forEach((stop) => stop());
    clearTimeout(errorTimer);
    resize.disconnect();
    document.removeEventListener("click", closeOnline);
    document.removeEventListener("keydown", closeOnline);
    if (uploading) uploading.abort();
    uploads.length = 0;
  };
  view.focusComposer = () => input.focus();
  return view;
}
