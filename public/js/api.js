// The server's HTTP API (README "HTTP API"): every answer is HTTP 200 with an `errno` (0 = ok).
// Functions resolve with the parsed body, or throw an ApiError with the server's message.

export class ApiError extends Error {
  /**
   * @param {string} message    what to show the user
   * @param {object} [details]  {errno, status, auth: true when the token is not (or no longer) valid}
   */
  constructor(message, { errno = null, status = 200, auth = false } = {}) {
    super(message);
    this.errno = errno;
    this.status = status;
    this.auth = auth;
  }
}

const TIMEOUT = 30000;

async function request(method, path, { query, json } = {}) {
  const url = new URL(`/api${path}`, window.location.href);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT);
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: json ? { "Content-Type": "application/json", Accept: "application/json" } : { Accept: "application/json" },
      body: json ? JSON.stringify(json) : undefined,
      signal: controller.signal,
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(error.name === "AbortError" ? "The server did not answer in time." : "Cannot reach the server.", { status: 0 });
  } finally {
    clearTimeout(timer);
  }
  return parse(response.status, await response.text());
}

function parse(status, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (status !== 200 || body === null || typeof body !== "object") {
    const why = body && (body.msg || body.message || body.error);
    throw new ApiError(statusMessage(status, why), { status });
  }
  return body;
}

function statusMessage(status, why) {
  if (status === 413) return "The file is too large for the server.";
  if (status === 0) return "Cannot reach the server.";
  return why ? String(why) : `The server answered HTTP ${status}.`;
}

/** Throws unless errno is 0; `auth` marks answers that mean "this token is not valid". */
function check(body, fallback) {
  if (body.errno === 0) return body;
  const message = body.message || body.msg || fallback;
  throw new ApiError(String(message), { errno: body.errno, auth: body.errno === 401 });
}

export async function register(email, password) {
  const body = await request("POST", "/register", { json: { name: email, password } });
  return check(body, "Could not sign up.").user;
}

export async function login(email, password) {
  const body = await request("POST", "/login", { json: { name: email, password } });
  return check(body, "Could not log in.").user;
}

export async function logout(token) {
  return request("POST", "/logout", { json: { api_token: token } });
}

/** The user of a token; an ApiError with auth=true when the token is invalid, expired or revoked. */
export async function currentUser(token) {
  const body = await request("GET", "/user", { query: { api_token: token } });
  if (body.errno !== 0) throw new ApiError(String(body.message || "Not logged in."), { errno: body.errno, auth: true });
  return body.user;
}

/** [{id, name, online, unread}] */
export async function rooms(token) {
  const body = await request("GET", "/rooms", { query: { api_token: token } });
  return check(body, "Could not load the rooms.").data || [];
}

export const HISTORY_PAGE_SIZE = 20;

/** One history page: {messages (ascending), total}. Page 1 is the newest; pass page 1's total later. */
export async function historyPage(roomId, page, total) {
  const body = await request("GET", "/history/message", { query: { roomid: roomId, current: page, total } });
  const data = body.data || {};
  if (data.errno !== 0) throw new ApiError(String(data.message || "Could not load the history."), { errno: data.errno });
  return { messages: data.data || [], total: Number(data.total) || 0 };
}

export const AFTER_LIMIT = 100;

/** Messages with seq > after, ascending, at most AFTER_LIMIT per call. */
export async function messagesAfter(roomId, after) {
  const body = await request("GET", "/history/message", { query: { roomid: roomId, after } });
  const data = body.data || {};
  if (data.errno !== 0) throw new ApiError(String(data.message || "Could not load the missed messages."), { errno: data.errno });
  return data.data || [];
}

/**
 * A multipart upload with progress. Returns {promise, abort}; the promise resolves with data.url.
 * @param {string} path  "/file/uploadimg" or "/file/avatar"
 * @param {Record<string, string|Blob>} fields
 * @param {(fraction: number) => void} onProgress
 */
export function upload(path, fields, onProgress = () => {}) {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Blob) form.append(key, value, value.name || "image");
    else form.append(key, value);
  }
  const promise = new Promise((resolve, reject) => {
    xhr.open("POST", `/api${path}`);
    xhr.responseType = "text";
    xhr.timeout = 120000;
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      try {
        const body = check(parse(xhr.status, xhr.responseText), "The upload failed.");
        onProgress(1);
        resolve(body.data && body.data.url);
      } catch (error) {
        reject(error);
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError("The upload failed: cannot reach the server.", { status: 0 })));
    xhr.addEventListener("timeout", () => reject(new ApiError("The upload took too long.", { status: 0 })));
    xhr.addEventListener("abort", () => reject(new ApiError("Upload cancelled.", { status: -1 })));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

export function uploadImage(file, roomId, token, onProgress) {
  return upload("/file/uploadimg", { roomid: String(roomId), api_token: token, file }, onProgress);
}

export function uploadAvatar(file, token, onProgress) {
  return upload("/file/avatar", { api_token: token, file }, onProgress);
}
