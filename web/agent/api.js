// The one HTTP client of the console: the agent's bearer token in a header (never in a URL),
// errors as ApiError {status, detail}; files fetched the same way and shown as blob URLs.
const TOKEN_KEY = "agent_console_token";

export const session = { token: sessionStorage.getItem(TOKEN_KEY), onUnauthorized: null };

export function setToken(token) {
  session.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

async function call(method, path, body, extraHeaders) {
  const headers = Object.assign({ Authorization: `Bearer ${session.token}` }, extraHeaders || {});
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (response.status === 401 && session.onUnauthorized) session.onUnauthorized();
  if (!response.ok) throw new ApiError(response.status, data && data.detail);
  return { data, response };
}

export async function api(method, path, body, extraHeaders) {
  return (await call(method, path, body, extraHeaders)).data;
}

// A list with its X-Total-Count (all matches, for paging).
export async function apiPage(path) {
  const { data, response } = await call("GET", path);
  const total = Number(response.headers.get("X-Total-Count"));
  return { items: data || [], total: Number.isFinite(total) && response.headers.has("X-Total-Count") ? total : null };
}

// An attachment's bytes with the bearer header, as an object URL the page may show or save.
export async function blobUrl(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!response.ok) throw new ApiError(response.status, null);
  return URL.createObjectURL(await response.blob());
}

export async function login(username, password) {
  const response = await fetch("/api/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.detail);
  setToken(data.access_token);
}

export function logoutCall() {
  if (session.token) {
    fetch("/api/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${session.token}` } }).catch(() => {});
  }
  setToken(null);
}

export function newIdempotencyKey() {
  // getRandomValues, unlike randomUUID, works on a plain-http console as well.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
