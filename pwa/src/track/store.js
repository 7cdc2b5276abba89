// The tracking page's state and its one render hook (main.js registers the renderer).
import { tokenFromPath } from './state.js';

export const token = tokenFromPath(location.pathname);
export const root = document.getElementById('app');
export const state = {
  view: null,
  error: token ? null : 'not_found', // 'not_found' | 'expired' | null
  offline: false,
  loadedAt: null,
  driver: null, // {lat, lon, heading, at, receivedAt} while positions arrive
  etaStale: false,
  tilesFailed: false,
  instructions: { draft: null, saving: false, message: null, error: null },
  rating: { score: null, comment: '', saving: false, error: null },
  push: { status: 'idle', message: null },
};

let renderer = () => {};

export function setRenderer(render) {
  renderer = render;
}

export function update() {
  renderer();
}
