// The account: avatar (change it), name, e-mail, log out.

import * as api from "../api.js";
import { avatar, h } from "../dom.js";
import { megabytes } from "../format.js";
import { safeImageURL } from "../render-text.js";
import { store } from "../store.js";

/** @param {{onLogout: () => void, onAuthFailed: () => void}} hooks */
export function profileView({ onLogout, onAuthFailed }) {
  const picture = h("div", { class: "profile-avatar" });
  const name = h("p", { class: "profile-name", testid: "profile-name" });
  const email = h("p", { class: "profile-email muted", testid: "profile-email" });
  const status = h("p", { class: "notice", role: "status", testid: "avatar-status", hidden: true });
  const errorBox = h("p", { class: "form-error", role: "alert", testid: "avatar-error", hidden: true });
  const progress = h("progress", { max: "1", value: "0", hidden: true, testid: "avatar-progress" });
  const fileInput = h("input", { type: "file", accept: "image/*", id: "avatar-input", class: "visually-hidden", testid: "avatar-input" });
  const change = h("label", { for: "avatar-input", class: "button" }, "Change avatar…", fileInput);

  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    const session = store.get("session");
    if (!session) return;
    errorBox.hidden = true;
    status.hidden = false;
    status.textContent = `Uploading ${file.name} (${megabytes(file.size)})…`;
    progress.hidden = false;
    progress.value = 0;
    const job = api.uploadAvatar(file, session.token, (fraction) => {
      progress.value = fraction;
    });
    job.promise
      .then((url) => {
        const current = store.get("session");
        if (current && url) store.set({ session: { ...current, avatar: url } });
        status.textContent = "Your avatar is updated.";
      })
      .catch((error) => {
        status.hidden = true;
        errorBox.textContent = `Avatar not changed: ${error.message}`;
        errorBox.hidden = false;
        if (error.auth) onAuthFailed();
      })
      .finally(() => {
        progress.hidden = true;
      });
  });

  const view = h(
    "section",
    { class: "profile", testid: "profile-view", "aria-labelledby": "profile-title" },
    h("header", { class: "room-header" },
      h("a", { href: "#/rooms", class: "back icon-button", "aria-label": "Back to the room list" }, "‹"),
      h("h2", { id: "profile-title", class: "room-title" }, "Your account")),
    h("div", { class: "profile-body" },
      picture, name, email,
      h("div", { class: "profile-actions" }, change, progress),
      status, errorBox,
      h("button", { type: "button", class: "danger", testid: "logout-button", onclick: onLogout }, "Log out")),
  );

  const stop = store.watch("session", (session) => {
    if (!session) return;
    picture.replaceChildren(avatar(safeImageURL(session.avatar), session.name, "xl"));
    picture.firstChild.dataset.testid = "profile-avatar";
    name.textContent = session.name;
    email.textContent = session.email;
  });
  view.dispose = stop;
  return view;
}
