// The connection state, always visible in the top bar: "Connected", "Connecting…", "Reconnecting…".

import { h } from "../dom.js";
import { store } from "../store.js";

const LABELS = {
  connected: "Connected",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

/** @param {() => void} retryNow */
export function statusView(retryNow) {
  const label = h("span", { class: "status-label" });
  const retry = h("button", { type: "button", class: "link-button", testid: "retry-now", hidden: true, onclick: retryNow }, "Retry now");
  const view = h("div", { class: "status", testid: "connection-state", role: "status", "aria-live": "polite" }, h("span", { class: "dot", "aria-hidden": "true" }), label, retry);
  let timer = 0;

  const stop = store.watch("connection", ({ state, retryIn }) => {
    clearInterval(timer);
    view.dataset.state = state;
    label.textContent = LABELS[state] || state;
    retry.hidden = !(state === "reconnecting" && retryIn > 1500);
    if (retry.hidden) return;
    const until = Date.now() + retryIn;
    const tick = () => {
      const seconds = Math.ceil((until - Date.now()) / 1000);
      label.textContent = seconds > 0 ? `Reconnecting… (next try in ${seconds} s)` : LABELS.reconnecting;
      if (seconds <= 0) clearInterval(timer);
    };
    tick();
    timer = setInterval(tick, 1000);
  });
  view.dispose = () => {
    stop();
    clearInterval(timer);
  };
  return view;
}
