// The driver app's state, the phone's handles (socket, location sharing, wake lock), in-app navigation
// and the one render hook: actions change `state` and call update(); main.js registers the renderer.
import { pending, rejected } from '../shared/outbox.js';
import { LocationSharing, ScreenWakeLock } from './location.js';
import { addNotice } from './notices.js';
import { applyPending } from './state.js';

export const BASE = '/driver';

export const state = {
  booting: true,
  session: null,
  push: null, // "on" once this browser gets route-change notifications
  snapshot: null, // the server's route, as last received
  entries: [], // outbox entries not yet accepted by the server
  rejectedWrites: [],
  online: navigator.onLine,
  syncing: false,
  freshInstructions: new Set(), // stops whose instructions changed while the app was open
  error: null,
  view: parsePath(location.pathname),
  pausedWhileHidden: false,
  loginError: null,
  loginWithEmail: false, // the login field asks for a phone number (phone keypad) unless the driver switches
  loadMessage: null,
};

/** The open socket (session.js opens and closes it). */
export const runtime = { socket: null };
let listScrollY = 0;
export const locationSharing = new LocationSharing({ getSocket: () => runtime.socket, onChange: () => refreshQueue() });
export const wakeLock = new ScreenWakeLock();

let renderer = () => {};

export function setRenderer(render) {
  renderer = render;
}

export function update() {
  renderer();
}

// --- navigation -------------------------------------------------------------------------------

export function parsePath(pathname) {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : '';
  const match = rest.match(/^\/stops\/(\d+)(?:\/(deliver|fail|guide))?\/?$/);
  if (match) return { name: match[2] || 'stop', stopId: Number(match[1]) };
  return { name: 'route' };
}

export function navigate(path) {
  if (state.view.name === 'route') listScrollY = window.scrollY;
  history.pushState({}, '', path);
  showView(parsePath(path));
}

export function showView(view) {
  const backToList = view.name === 'route' && state.view.name !== 'route';
  // The "new" mark on changed instructions lasts until the driver has seen that stop and leaves it.
  if (state.view.stopId && state.view.stopId !== view.stopId) state.freshInstructions.delete(state.view.stopId);
  state.view = view;
  update();
  requestAnimationFrame(() => {
    window.scrollTo(0, backToList ? listScrollY : 0);
    document.querySelector('h1, h2')?.focus({ preventScroll: true });
  });
}

export function link(path) {
  return (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(path);
  };
}

// --- data -------------------------------------------------------------------------------------

export function currentRoute() {
  return applyPending(state.snapshot, state.entries);
}

export function findStop(route, stopId) {
  return route?.stops.find((stop) => stop.id === stopId) || null;
}

export function timeZone() {
  return state.snapshot?.depot?.timezone || undefined;
}

export async function refreshQueue() {
  [state.entries, state.rejectedWrites] = await Promise.all([pending(), rejected()]);
  update();
}

export { addNotice };

export function stopSocket() {
  runtime.socket?.disconnect();
  runtime.socket = null;
}

/** Share the location exactly while the route is in progress; keep the screen on meanwhile. */
export function followDuty(route) {
  const onDuty = Boolean(state.session && route && route.status === 'in_progress');
  if (onDuty) locationSharing.start();
  else locationSharing.stop();
  wakeLock.want(onDuty && !route.on_break);
  return onDuty;
}
