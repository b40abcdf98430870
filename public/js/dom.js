// A tiny element builder: h("button", {class: "x", onclick: fn, dataset: {testid: "y"}}, "text", child).
// Strings become text nodes (never HTML).

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "testid") element.dataset.testid = value;
    else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "text") element.textContent = value;
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const DEFAULT_AVATAR = "/images/avatar-default.png";

/** An avatar <img> that falls back to the default avatar when its URL does not load. */
export function avatar(url, name, size = "m") {
  const img = h("img", { class: `avatar avatar-${size}`, alt: name ? `${name}` : "", width: 40, height: 40, loading: "lazy", decoding: "async" });
  img.addEventListener("error", () => {
    if (!img.src.endsWith(DEFAULT_AVATAR)) img.src = DEFAULT_AVATAR;
  });
  img.src = url || DEFAULT_AVATAR;
  return img;
}
