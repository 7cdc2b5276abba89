// The console's state, what is derived from it, and the one render hook. Actions change `state` and
// call update(); main.js registers the renderer that draws the views from it.
import { ApiError } from '../shared/api.js';
import { language, t } from '../shared/i18n.js';
import { formatTime } from '../shared/time.js';

export const LANGUAGE_KEY = 'lastmile.dispatch.language';
export const FINISHED = new Set(['completed', 'failed', 'skipped']);
export const STAFF = new Set(['admin', 'dispatcher']);

export const state = {
  user: null,
  settings: null,
  depots: [],
  drivers: [],
  vehicles: [],
  date: null,
  depotId: null,
  board: { routes: [], unplanned: [], positions: [] },
  tab: /\/dispatch\/analytics\/?$/.test(location.pathname) ? 'analytics' : 'plan', // /dispatch/analytics opens it
  selectedDrivers: new Set(),
  timeLimit: 10,
  job: null,
  unassigned: [],
  imports: { file: null, job: null, result: null, skipInvalid: false, busy: false },
  pending: null,
  moveMenuFor: null, // the stop whose "Move to…" menu holds its choices (views/routes.js)
  routeAction: null, // the whole-route action being chosen/confirmed (views/route_actions.js)
  publishAsk: null, // {routeIds, reach}: who publishing would message, awaiting the dispatcher's yes
  notice: null,
  feed: [],
  lateRoutes: new Map(), // route id -> the server's latest late-risk alert for it
  planResult: null,
  positions: new Map(),
  movedDrivers: new Set(), // drivers whose position came since their badge was last moved
  order: null,
  org: null,
  expanded: new Map(), // route id -> open (true) or folded (false), as the dispatcher chose
  connected: false,
  busy: false,
};

let renderer = () => {};
let driverRenderer = () => {};
let driversQueued = false;

/** main.js draws the console with this function on every update(). */
export function setRenderer(render) {
  renderer = render;
}

export function update() {
  renderer();
}

/** main.js moves the drivers' badges with this function (and nothing else is redrawn for a position). */
export function setDriverRenderer(render) {
  driverRenderer = render;
}

/** New positions arrived: move the badges on the next frame, once however many batches came meanwhile. */
export function updateDrivers() {
  if (driversQueued) return;
  driversQueued = true;
  requestAnimationFrame(() => {
    driversQueued = false;
    driverRenderer();
  });
}

export const $ = (id) => document.getElementById(id);

export function timeZone() {
  const depot = state.depots.find((d) => d.id === state.depotId) || state.depots[0];
  return depot?.timezone || state.board.routes[0]?.depot?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export const time = (iso) => formatTime(iso, timeZone());

export function duration(seconds) {
  const minutes = Math.round((seconds || 0) / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}

const decimalFormats = new Map();

/** A number with one decimal in the screen's language ("92.7" in English, "92,7" in French). */
export function oneDecimal(value) {
  const tag = language() === 'fr' ? 'fr-CA' : 'en-CA';
  if (!decimalFormats.has(tag)) {
    decimalFormats.set(tag, new Intl.NumberFormat(tag, { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
  }
  return decimalFormats.get(tag).format(value || 0);
}

export const km = (metres) => oneDecimal((metres || 0) / 1000);

export function windowOf(order) {
  const window = order.time_windows?.[0];
  return window ? t('d.stop.window', { start: time(window.start), end: time(window.end) }) : '';
}

export function windowEnd(order) {
  const ends = (order.time_windows || []).map((w) => Date.parse(w.end)).filter((v) => !Number.isNaN(v));
  return ends.length ? Math.max(...ends) : null;
}

export function routeName(route) {
  if (!route) return '';
  return t('d.route.title', { driver: route.driver?.name || t('d.route.noDriver'), vehicle: route.vehicle?.name || '—' });
}

export function routeById(id) {
  return state.board.routes.find((r) => r.id === id);
}

export function stopById(id) {
  for (const route of state.board.routes) {
    const stop = route.stops.find((s) => s.id === id);
    if (stop) return { route, stop };
  }
  return {};
}

export function errorMessage(error) {
  return error instanceof ApiError ? error.message : String(error?.message || error);
}

export function showError(error) {
  state.notice = { kind: 'error', text: t('d.error', { message: errorMessage(error) }) };
  update();
}

/** Stops still to do whose ETA is past the end of their window, or that the server's latest alert for their
 * route lists; a stop delivered, failed or being served is never at risk. */
export function atRiskStops() {
  const risky = new Set();
  for (const route of state.board.routes) {
    const alerted = new Set((state.lateRoutes.get(route.id)?.stops || []).map((s) => s.stop_id));
    for (const stop of route.stops) {
      if (stop.status !== 'pending') continue;
      const end = windowEnd(stop.order);
      const eta = stop.eta_at ? Date.parse(stop.eta_at) : null;
      if ((end !== null && eta !== null && eta > end) || alerted.has(stop.id)) risky.add(stop.id);
    }
  }
  return risky;
}

export function replaceRoute(snapshot) {
  const index = state.board.routes.findIndex((r) => r.id === snapshot.id);
  if (index >= 0) {
    const previous = state.board.routes[index];
    if (previous.version > snapshot.version) return;
    state.board.routes[index] = { ...snapshot, summary: previous.summary };
  } else if (snapshot.date === state.date && (!state.depotId || snapshot.depot?.id === state.depotId)) {
    state.board.routes.push({ ...snapshot, summary: null });
  }
}

export function addFeed(text, kind = 'info', orderId = null, key = null) {
  // A keyed line (a route's late risk) replaces its earlier version and comes back to the top.
  if (key !== null) state.feed = state.feed.filter((item) => item.key !== key);
  state.feed.unshift({ text, kind, orderId, key, at: new Date().toISOString() });
  state.feed.length = Math.min(state.feed.length, 200);
}

export function driverName(driverId) {
  const route = state.board.routes.find((r) => r.driver?.id === driverId);
  if (route) return route.driver.name;
  return state.drivers.find((d) => d.id === driverId)?.user?.name || `#${driverId}`;
}
