// The HTTP client: same-origin JSON with the session cookie; every write carries X-CSRF-Token,
// taken from the login or /auth/me answer and kept in IndexedDB so the service worker can replay
// the outbox with it too.
import { getMeta, setMeta } from './db.js';

let csrfToken = null;

/** The server answered with an RFC 9457 problem: {type, title, status, detail, code, fields, ...}.
 *  Bodies without `detail` are read in the older {"error": {code, message, fields}} shape. */
export class ApiError extends Error {
  constructor(status, body) {
    const problem = body && typeof body === 'object' ? body : {};
    const legacy = (problem.error && typeof problem.error === 'object') ? problem.error : {};
    super(problem.detail || legacy.message || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || legacy.code || `http_${status}`;
    this.fields = problem.fields || legacy.fields || null;
    this.body = problem;
  }

  /** 5xx, timeouts and rate limits are the server's passing trouble: retry later. */
  get retryable() {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }

  /** The session ended (or the CSRF token is stale): retry after logging in again. */
  get needsLogin() {
    return this.status === 401 || (this.status === 403 && this.code === 'csrf_failed');
  }
}

/** No answer at all: offline, DNS, connection reset. Always retried later. */
export class NetworkError extends Error {}

export async function setCsrfToken(token) {
  csrfToken = token || null;
  await setMeta('csrf', csrfToken);
}

async function currentCsrf() {
  if (!csrfToken) csrfToken = (await getMeta('csrf')) || null;
  return csrfToken;
}

export async function request(method, path, { json, form, timeoutMs = 20000 } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (method !== 'GET') {
    const token = await currentCsrf();
    if (token) headers['X-CSRF-Token'] = token;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: controller.signal });
  } catch (error) {
    throw new NetworkError(error.message || 'network error');
  } finally {
    clearTimeout(timer);
  }
  const text = await response.text().catch(() => '');
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, json) => request('POST', path, { json });

export async function login(loginName, password) {
  const session = await post('/api/v1/auth/login', { login: loginName, password });
  await setCsrfToken(session.csrf_token);
  return session;
}

export async function me() {
  const session = await get('/api/v1/auth/me');
  await setCsrfToken(session.csrf_token);
  return session;
}

export async function logout() {
  try {
    await post('/api/v1/auth/logout', {});
  } finally {
    await setCsrfToken(null);
  }
}
