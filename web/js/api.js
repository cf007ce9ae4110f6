// The REST API as the dashboard calls it: bearer token from sessionStorage, JSON errors as ApiError.

const TOKEN_KEY = "dnsops.token";
let unauthorized = () => {};

/** An error the API answered with ({"error", "field"}), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Called on every 401: the app opens the sign-in modal. */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

/** Build "path?x=1&y=2", leaving out empty values. */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * One call. body: an object (sent as JSON) or a string (sent as text/plain).
 * Resolves to the parsed JSON, the text (for text/plain answers), or null for 204.
 */
export async function call(method, path, body, opts = {}) {
  const headers = {};
  const token = opts.token !== undefined ? opts.token : getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (typeof body === "string") {
    headers["Content-Type"] = "text/plain; charset=utf-8";
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, {method, headers, body: payload, cache: "no-store"});
  } catch (e) {
    throw new ApiError(0, `cannot reach the server: ${e.message}`);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("application/json") ? await response.json().catch(() => null)
    : await response.text();
  if (!response.ok) {
    const message = data && data.error ? data.error : `${response.status} ${response.statusText}`;
    const error = new ApiError(response.status, message, data && data.field);
    if (response.status === 401 && !opts.quiet) unauthorized(error);
    throw error;
  }
  return data;
}

export const get = (path, params, opts) => call("GET", withQuery(path, params), undefined, opts);
export const post = (path, body, opts) => call("POST", path, body, opts);
export const put = (path, body, opts) => call("PUT", path, body, opts);
export const del = (path, opts) => call("DELETE", path, undefined, opts);

/** A path segment, escaped. */
export const seg = (s) => encodeURIComponent(s);
