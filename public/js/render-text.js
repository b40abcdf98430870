// User content as text: never innerHTML. Only http(s) URLs become links, each an <a> element made
// here with the URL as its text and rel="noopener noreferrer".

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'")\]}>]+$/;

/** Splits text into [{text}|{url}] parts. */
export function splitLinks(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let candidate = match[0];
    // Punctuation right after a URL belongs to the sentence, except a ")" closing a "(" inside it.
    const trailing = TRAILING.exec(candidate);
    if (trailing) {
      let cut = trailing[0];
      const body = candidate.slice(0, -cut.length);
      if (cut.startsWith(")") && (body.match(/\(/g) || []).length > (body.match(/\)/g) || []).length) {
        cut = cut.slice(1);
      }
      candidate = candidate.slice(0, candidate.length - cut.length);
    }
    const url = safeHttpURL(candidate);
    if (!url) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ url, text: candidate });
    last = match.index + candidate.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** The URL when it parses as http: or https:, else null. */
export function safeHttpURL(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Fills `element` with `text` as text nodes and safe links. */
export function renderText(element, text) {
  element.replaceChildren();
  for (const part of splitLinks(String(text ?? ""))) {
    if (part.url) {
      const link = document.createElement("a");
      link.href = part.url;
      link.textContent = part.text;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      element.append(link);
    } else {
      element.append(document.createTextNode(part.text));
    }
  }
  return element;
}

/**
 * An image URL from the server that is safe to put in <img src>: root-relative, protocol-relative,
 * http(s), or a data:image URL (old messages); anything else gives `fallback`.
 */
export function safeImageURL(value, fallback = "") {
  if (typeof value !== "string" || !value) return fallback;
  if (/^data:image\/(png|jpe?g|gif|webp);base64,/i.test(value)) return value;
  try {
    const url = new URL(value, window.location.href);
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch {
    /* not a URL */
  }
  return fallback;
}
