// Log in and sign up: one form, two modes (#/login, #/register).

import * as api from "../api.js";
import { h } from "../dom.js";
import { store } from "../store.js";

/**
 * @param {"login"|"register"} mode
 * @param {(user: object) => void} onSession  called with the API's user after success
 */
export function authView(mode, onSession) {
  const registering = mode === "register";
  const notice = store.get("notice");
  const noticeBox = h("p", { class: "notice", role: "status", testid: "auth-notice", hidden: !notice }, notice || "");
  const errorBox = h("p", { class: "form-error", role: "alert", testid: "auth-error", hidden: true });
  const email = h("input", {
    id: "auth-email", name: "email", type: "email", required: true, autocomplete: registering ? "email" : "username",
    inputmode: "email", maxlength: 100, testid: "auth-email", placeholder: "you@example.com",
  });
  const password = h("input", {
    id: "auth-password", name: "password", type: "password", required: true, minlength: registering ? 6 : null,
    autocomplete: registering ? "new-password" : "current-password", testid: "auth-password",
  });
  const submit = h("button", { type: "submit", class: "primary", testid: "auth-submit" }, registering ? "Create account" : "Log in");

  const form = h(
    "form",
    { class: "auth-form", testid: registering ? "register-form" : "login-form", novalidate: true },
    h("label", { for: "auth-email" }, "E-mail"),
    email,
    h("label", { for: "auth-password" }, "Password", registering ? h("span", { class: "hint" }, " (at least 6 characters)") : null),
    password,
    errorBox,
    submit,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const address = email.value.trim();
    if (!address || !email.checkValidity()) return showError("Enter your e-mail address.", email);
    if (!password.value) return showError("Enter your password.", password);
    if (registering && password.value.length < 6) return showError("The password needs at least 6 characters.", password);
    submit.disabled = true;
    submit.textContent = registering ? "Creating account…" : "Logging in…";
    try {
      const user = registering ? await api.register(address, password.value) : await api.login(address, password.value);
      store.set({ notice: "" });
      onSession(user);
    } catch (error) {
      showError(error.message, null);
      submit.disabled = false;
      submit.textContent = registering ? "Create account" : "Log in";
    }
  });

  function showError(text, field) {
    errorBox.textContent = text;
    errorBox.hidden = false;
    if (field) field.focus();
  }

  const view = h(
    "main",
    { class: "auth", testid: "auth-view" },
    h(
      "section",
      { class: "auth-card", "aria-labelledby": "auth-title" },
      h("div", { class: "brand" }, h("img", { src: "/images/logo.svg", alt: "", width: 40, height: 40 }), h("span", {}, "ChatRoom")),
      h("h1", { id: "auth-title" }, registering ? "Create your account" : "Welcome back"),
      noticeBox,
      form,
      h(
        "p",
        { class: "switch" },
        registering ? "Already have an account? " : "New here? ",
        h("a", { href: registering ? "#/login" : "#/register", testid: registering ? "goto-login" : "goto-register" }, registering ? "Log in" : "Create an account"),
      ),
    ),
  );
  const last = store.get("lastEmail");
  if (last && !registering) email.value = last;
  queueMicrotask(() => (email.value ? password : email).focus());
  return view;
}
