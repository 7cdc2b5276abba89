// The admin screens' state, the one re-render hook and the unsaved-edit guard.
import { ApiError, request } from '../shared/api.js';
import { t } from '../shared/i18n.js';

// The same key as the dispatch console: a language picked in one is kept in the other.
export const LANGUAGE_KEY = 'lastmile.dispatch.language';

export const state = {
  user: null,
  org: null,
  section: 'setup',
  notice: null,
  // The open editor of the current screen: {draft, errors, problem, busy}; `dirty` while it holds unsaved edits.
  dirty: false,
};

let renderer = () => {};
export function setRenderer(draw) {
  renderer = draw;
}
export function update() {
  renderer();
}

export function errorText(error) {
  if (error instanceof ApiError) return error.message;
  return t('a.err.network');
}

export function notify(kind, text) {
  state.notice = { kind, text };
  update();
}

/** Unsaved edits are never dropped silently: leaving them needs a yes. */
export function mayLeave() {
  if (!state.dirty) return true;
  if (!window.confirm(t('a.unsaved'))) return false;
  state.dirty = false;
  return true;
}

window.addEventListener('beforeunload', (event) => {
  if (state.dirty) {
    event.preventDefault();
    event.returnValue = '';
  }
});

export const api = {
  get: (path) => request('GET', path),
  post: (path, json) => request('POST', path, { json }),
  patch: (path, json) => request('PATCH', path, { json }),
  put: (path, json) => request('PUT', path, { json }),
  delete: (path) => request('DELETE', path),
};

/** Every page of a paged list (admin lists are small: depots, vehicles, drivers, users). */
export async function getAll(path) {
  const items = [];
  for (let page = 1; page < 100; page += 1) {
    const answer = await api.get(`${path}${path.includes('?') ? '&' : '?'}page=${page}&per_page=500`);
    items.push(...answer.items);
    if (items.length >= answer.total || !answer.items.length) break;
  }
  return items;
}
