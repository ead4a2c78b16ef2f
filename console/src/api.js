// The service's API: every request carries the key of the session as a bearer token.
// A 401 sends the console back to the login screen (through `onUnauthorized`).

const KEY = 'mintage.key';

export const session = {
  /** `{scopes, rules_version, now}` from GET /v1/session, once logged in. */
  info: null,
  key: () => sessionStorage.getItem(KEY),
  setKey: (key) => sessionStorage.setItem(KEY, key),
  clear() {
    sessionStorage.removeItem(KEY);
    session.info = null;
  },
  has: (scope) => !!session.info && session.info.scopes.includes(scope),
  isAdmin: () => session.has('admin'),
};

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** Calls the API; answers the parsed JSON, or throws an ApiError. */
export async function api(path, { method = 'GET', body, signal, key } = {}) {
  const headers = { Accept: 'application/json' };
  const token = key ?? session.key();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `the service cannot be reached (${e.message})`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = json && json.error;
    const error = new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? (text.slice(0, 200) || res.statusText),
      json,
    );
    if (res.status === 401 && key === undefined) onUnauthorized(error);
    throw error;
  }
  return json;
}

export const enc = encodeURIComponent;
