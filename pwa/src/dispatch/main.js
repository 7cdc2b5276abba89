// The dispatcher console: plan a day, watch it live, and change routes while they are driven.
// Every change is previewed (new ETAs, every window or capacity violation) before it is confirmed,
// and confirmed with the route versions it was made on: a stale one comes back as a conflict with
// the fresh route, never as a silent overwrite.
import { html, nothing, render } from 'lit-html';
import { ApiError, get, login, logout, me, post, request } from '../shared/api.js';
import { getMeta } from '../shared/db.js';
import { chooseLanguage, language, setLanguage, t } from '../shared/i18n.js';
import { connectSocket } from '../shared/socket.js';
import { formatTime, todayIn } from '../shared/time.js';
// Analytics tab: a tiny static hook; the dashboard and its chart library load on the tab's first opening.
import { showAnalytics } from '../analytics/entry.js';
import { gantt } from './gantt.js';
import { ConsoleMap, colourOf } from './map.js';
import { mergeMessages } from './messages.js';
import './styles.css';

const LANGUAGE_KEY = 'lastmile.dispatch.language';
const FINISHED = new Set(['completed', 'failed', 'skipped']);
const STAFF = new Set(['admin', 'dispatcher']);

mergeMessages();

const state = {
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
  notice: null,
  feed: [],
  atRiskAlerts: new Set(),
  positions: new Map(),
  order: null,
  connected: false,
  busy: false,
};

let consoleMap = null;
let socket = null;
let reloadTimer = null;
let dragged = null;

// --- small helpers ------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
/**
 * A confirming write. Unlike the shared client it keeps the error body: a 409 carries the fresh
 * route in error.route, which the loser of a race must see.
 */
async function write(method, path, json) {
  const token = await getMeta('csrf');
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (token) headers['X-CSRF-Token'] = token;
  const response = await fetch(path, { method, headers, body: JSON.stringify(json), credentials: 'same-origin' });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.body = data;
    throw error;
  }
  return data;
}

const put = (path, json) => write('PUT', path, json);
const confirmPost = (path, json) => write('POST', path, json);

function timeZone() {
  const depot = state.depots.find((d) => d.id === state.depotId) || state.depots[0];
  return depot?.timezone || state.board.routes[0]?.depot?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const time = (iso) => formatTime(iso, timeZone());

function duration(seconds) {
  const minutes = Math.round((seconds || 0) / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}

const km = (metres) => ((metres || 0) / 1000).toFixed(1);

function windowOf(order) {
  const window = order.time_windows?.[0];
  return window ? t('d.stop.window', { start: time(window.start), end: time(window.end) }) : '';
}

function windowEnd(order) {
  const ends = (order.time_windows || []).map((w) => Date.parse(w.end)).filter((v) => !Number.isNaN(v));
  return ends.length ? Math.max(...ends) : null;
}

function routeName(route) {
  if (!route) return '';
  return t('d.route.title', { driver: route.driver?.name || t('d.route.noDriver'), vehicle: route.vehicle?.name || '—' });
}

function routeById(id) {
  return state.board.routes.find((r) => r.id === id);
}

function stopById(id) {
  for (const route of state.board.routes) {
    const stop = route.stops.find((s) => s.id === id);
    if (stop) return { route, stop };
  }
  return {};
}

function errorMessage(error) {
  return error instanceof ApiError ? error.message : String(error?.message || error);
}

function showError(error) {
  state.notice = { kind: 'error', text: t('d.error', { message: errorMessage(error) }) };
  update();
}

/** Stops whose ETA is past the end of their window while still to do, plus those the server alerted on. */
function atRiskStops() {
  const risky = new Set(state.atRiskAlerts);
  for (const route of state.board.routes) {
    for (const stop of route.stops) {
      if (stop.status !== 'pending') continue;
      const end = windowEnd(stop.order);
      const eta = stop.eta_at ? Date.parse(stop.eta_at) : null;
      if (end !== null && eta !== null && eta > end) risky.add(stop.id);
    }
  }
  return risky;
}

// --- loading --------------------------------------------------------------------------------------

async function loadBoard() {
  const query = new URLSearchParams({ date: state.date });
  if (state.depotId) query.set('depot_id', state.depotId);
  const board = await get(`/api/v1/dispatch/board?${query}`);
  state.board = board;
  for (const position of board.positions) state.positions.set(position.driver_id, position);
  update();
}

function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadBoard().catch(showError), 400);
}

async function loadFleet() {
  const [depots, drivers, vehicles] = await Promise.all([
    get('/api/v1/depots?per_page=500'), get('/api/v1/drivers?per_page=500'), get('/api/v1/vehicles?per_page=500')]);
  state.depots = depots.items;
  state.drivers = drivers.items.filter((d) => d.active);
  state.vehicles = vehicles.items;
  state.depotId = state.depotId || state.depots[0]?.id || null;
  state.selectedDrivers = new Set(state.drivers.filter((d) => !d.depot_id || d.depot_id === state.depotId).map((d) => d.id));
}

// --- live events --------------------------------------------------------------------------------

function replaceRoute(snapshot) {
  const index = state.board.routes.findIndex((r) => r.id === snapshot.id);
  if (index >= 0) {
    const previous = state.board.routes[index];
    if (previous.version > snapshot.version) return;
    state.board.routes[index] = { ...snapshot, summary: previous.summary };
  } else if (snapshot.date === state.date && (!state.depotId || snapshot.depot?.id === state.depotId)) {
    state.board.routes.push({ ...snapshot, summary: null });
  }
}

function addFeed(text, kind = 'info', orderId = null) {
  state.feed.unshift({ text, kind, orderId, at: new Date().toISOString() });
  state.feed.length = Math.min(state.feed.length, 200);
}

async function feedFromChange(route, change) {
  const driver = route.driver?.name || t('d.route.noDriver');
  if (!change?.kind) return;
  const stop = change.stop_id ? route.stops.find((s) => s.id === change.stop_id) : null;
  if (change.kind === 'updated' && stop) {
    const address = stop.order.address;
    if (stop.status === 'completed') addFeed(t('d.feed.delivered', { driver, address }), 'ok', stop.order.id);
    else if (stop.status === 'arrived') addFeed(t('d.feed.arrived', { driver, address }), 'info', stop.order.id);
    else if (stop.status === 'failed') {
      let reason = '';
      try {
        reason = (await get(`/api/v1/orders/${stop.order.id}`)).failure_reason || '';
      } catch { /* the reason is a detail: the failure itself is still reported */ }
      addFeed(t('d.feed.failed', { driver, address, reason: reason ? t(`fail.reason.${reason}`) : '?' }), 'bad',
        stop.order.id);
    }
  } else if (change.kind === 'started') addFeed(t('d.feed.started', { driver }));
  else if (change.kind === 'completed') addFeed(t('d.feed.completed', { driver }));
  else if (!['created', 'break', 'updated'].includes(change.kind)) {
    const key = `d.kind.${change.kind}`;
    const kind = t(key) === key ? change.kind : t(key);
    addFeed(t('d.feed.changed', { driver, kind: change.address ? `${kind}: ${change.address}` : kind }));
  }
}

function connectLive() {
  socket = connectSocket({
    onConnect: () => { state.connected = true; update(); reloadSoon(); },
    onDisconnect: () => { state.connected = false; update(); },
  });
  socket.on('route.updated', async ({ route, change }) => {
    replaceRoute(route);
    await feedFromChange(route, change);
    update();
    reloadSoon();
  });
  socket.on('eta.updated', (payload) => {
    const route = routeById(payload.route_id);
    if (!route) return;
    for (const item of payload.stops || []) {
      const stop = route.stops.find((s) => s.id === item.stop_id);
      if (stop) stop.eta_at = item.eta;
    }
    update();
  });
  socket.on('alert', (alert) => {
    if (alert.kind === 'late_risk') {
      state.atRiskAlerts.add(alert.stop_id);
      addFeed(t('d.feed.lateRisk', { address: alert.address, eta: time(alert.eta), end: time(alert.window_end) }), 'bad',
        alert.order_id);
    } else if (alert.kind === 'driver_conflict') {
      addFeed(t('d.feed.conflict', { message: alert.message }), 'bad');
    }
    update();
  });
  const onPositions = (positions) => {
    for (const position of positions) {
      if (position?.driver_id == null) continue;
      state.positions.set(position.driver_id, position);
      drawDriver(position);
    }
    update();
  };
  // One position at a time, or the latest of each driver coalesced per tick by the server.
  socket.on('driver.location', (position) => onPositions([position]));
  socket.on('driver.locations', (batch) => onPositions(batch?.items || []));
  socket.on('job.progress', (job) => {
    if (state.job && job.id === state.job.id) jobChanged(job);
    if (state.imports.job && job.id === state.imports.job.id) state.imports.job = job;
  });
}

function driverName(driverId) {
  const route = state.board.routes.find((r) => r.driver?.id === driverId);
  if (route) return route.driver.name;
  return state.drivers.find((d) => d.id === driverId)?.user?.name || `#${driverId}`;
}

function drawDriver(position) {
  const index = state.board.routes.findIndex((r) => r.driver?.id === position.driver_id);
  consoleMap?.moveDriver(position, driverName(position.driver_id), index >= 0 ? colourOf(index) : null);
}

// --- planning: import, optimize, publish ----------------------------------------------------------

async function waitForJob(jobId, onUpdate) {
  for (;;) {
    const job = await get(`/api/v1/jobs/${jobId}`);
    onUpdate?.(job);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

async function runImport(dryRun) {
  const { file } = state.imports;
  if (!file) return;
  state.imports.busy = true;
  state.imports.result = null;
  update();
  try {
    const form = new FormData();
    form.append('file', file);
    const query = new URLSearchParams({ dry_run: String(dryRun), skip_invalid: String(state.imports.skipInvalid) });
    if (state.depotId) query.set('depot_id', state.depotId);
    const job = await request('POST', `/api/v1/orders/import?${query}`, { form });
    state.imports.job = job;
    const done = await waitForJob(job.id);
    state.imports.result = { ...(done.result || {}), dryRun, failed: done.status !== 'succeeded' ? done.error : null };
    if (!dryRun) await loadBoard();
  } catch (error) {
    showError(error);
  } finally {
    state.imports.busy = false;
    update();
  }
}

function jobChanged(job) {
  const previous = state.job;
  state.job = job;
  if (job.status === 'succeeded' && previous?.status !== 'succeeded') {
    state.unassigned = job.result?.unassigned || [];
    loadBoard().catch(showError);
  }
  update();
}

async function optimize() {
  state.unassigned = [];
  state.notice = null;
  try {
    const job = await post('/api/v1/optimizations', {
      date: state.date, depot_id: state.depotId, driver_ids: [...state.selectedDrivers],
      time_limit_s: Number(state.timeLimit) || 10,
    });
    jobChanged(job);
    // The socket brings progress; polling is the safety net when an event is missed.
    waitForJob(job.id, (fresh) => {
      if (state.job?.id === fresh.id && (fresh.status !== state.job.status || fresh.progress >= state.job.progress)) {
        jobChanged(fresh);
      }
    }).catch(showError);
  } catch (error) {
    showError(error);
  }
}

/** The optimizer plans each driver with their van: choosing one here makes it the driver's van. */
async function assignVehicle(driver, vehicleId) {
  try {
    const saved = await request('PATCH', `/api/v1/drivers/${driver.id}`, { json: { default_vehicle_id: vehicleId } });
    Object.assign(driver, { default_vehicle_id: saved.default_vehicle_id });
  } catch (error) {
    showError(error);
  }
  update();
}

async function stopOptimization() {
  if (!state.job) return;
  try {
    jobChanged(await post(`/api/v1/jobs/${state.job.id}/cancel`, {}));
  } catch (error) {
    showError(error);
  }
}

async function publish(routeIds) {
  try {
    for (const id of routeIds) replaceRoute(await post(`/api/v1/routes/${id}/publish`, {}));
    await loadBoard();
  } catch (error) {
    showError(error);
  }
}

// --- changes: preview, confirm, conflicts --------------------------------------------------------

function violationText(violation, stopInfo) {
  const values = { sequence: stopInfo.sequence ?? '?', address: stopInfo.address || '', cause: violation.cause,
    minutes: Math.max(1, Math.round((violation.duration || violation.duration_s || 0) / 60)) };
  if (['delay', 'load', 'skills'].includes(violation.cause)) return t(`d.violation.${violation.cause}`, values);
  return t('d.violation.other', values);
}

/** Every violation of the previewed routes, as sentences the dispatcher reads before confirming. */
function violationsOf(previews) {
  const lines = [];
  for (const preview of previews) {
    for (const stop of preview.stops) {
      const address = stop.address || stopById(stop.stop_id).stop?.order.address || '';
      for (const violation of stop.violations || []) {
        lines.push({ route_id: preview.route_id, stop_id: stop.stop_id, text: violationText(violation, { ...stop, address }) });
      }
    }
    const endLate = (preview.route_violations || []).some((v) => v.cause === 'delay')
      && !preview.stops.some((s) => (s.violations || []).some((v) => v.cause === 'delay'));
    if (endLate) lines.push({ route_id: preview.route_id, stop_id: null, text: t('d.violation.routeDelay') });
  }
  return lines;
}

function setPending(pending) {
  state.pending = pending;
  state.notice = null;
  update();
  document.querySelector('[data-testid=change-confirm]')?.focus();
}

async function previewSequence(route, stopIds, title = t('d.change.sequence', { route: routeName(route) })) {
  try {
    const preview = await post(`/api/v1/routes/${route.id}/sequence/preview`, { stop_ids: stopIds });
    setPending({
      title, previews: [preview], routeIds: [route.id],
      confirm: () => put(`/api/v1/routes/${route.id}/sequence`, { stop_ids: stopIds, version: route.version }),
    });
  } catch (error) {
    showError(error);
  }
}

async function previewMove(stopId, toRouteId, position) {
  const { route: from, stop } = stopById(stopId);
  const to = routeById(toRouteId);
  if (!from || !to) return;
  try {
    const preview = await post(`/api/v1/stops/${stopId}/move/preview`, { to_route_id: toRouteId, position });
    setPending({
      title: t('d.change.move', { address: stop.order.address, from: routeName(from), to: routeName(to) }),
      previews: [preview.from, preview.to], routeIds: [from.id, to.id],
      confirm: () => confirmPost(`/api/v1/stops/${stopId}/move`, {
        to_route_id: toRouteId, position, from_version: from.version, to_version: to.version }),
    });
  } catch (error) {
    showError(error);
  }
}

async function suggestReoptimization(route) {
  state.busy = true;
  update();
  try {
    const suggestion = await post(`/api/v1/routes/${route.id}/reoptimization`, {});
    setPending({
      title: t('d.change.reoptimize', { route: routeName(route) }), previews: [suggestion.preview], routeIds: [route.id],
      unassigned: suggestion.unassigned.map((u) => ({ address: stopById(u.stop_id).stop?.order.address, reason: u.reason })),
      confirm: () => put(`/api/v1/routes/${route.id}/sequence`, { stop_ids: suggestion.stop_ids, version: suggestion.version }),
    });
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    update();
  }
}

async function suggestInsertion(order) {
  state.busy = true;
  update();
  try {
    const suggestion = await post(`/api/v1/orders/${order.id}/insertion`, {});
    if (!suggestion.route_id) {
      state.notice = { kind: 'error', text: `${order.external_ref}: ${t(`d.reason.${suggestion.reason}`)}` };
      return;
    }
    const route = routeById(suggestion.route_id);
    setPending({
      title: t('d.change.insert', { ref: order.external_ref, route: routeName(route), position: suggestion.position }),
      previews: [suggestion.preview], routeIds: [suggestion.route_id],
      confirm: () => confirmPost(`/api/v1/routes/${suggestion.route_id}/stops`, {
        order_id: order.id, position: suggestion.position, version: suggestion.version }),
    });
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    update();
  }
}

async function suggestRedistribution(route) {
  state.busy = true;
  update();
  try {
    const plan = await post(`/api/v1/routes/${route.id}/redistribution`, {});
    setPending({
      title: t('d.change.redistribute', { route: routeName(route) }), previews: [], routeIds: plan.versions.map((v) => v.route_id),
      moves: plan.moves.map((m) => t('d.change.moveLine', { address: m.address, driver: m.driver?.name || '—', position: m.position })),
      unassigned: plan.unassigned,
      confirm: () => confirmPost(`/api/v1/routes/${route.id}/redistribute`, {
        moves: plan.moves.map(({ stop_id: stopId, to_route_id: toRouteId, position }) => ({ stop_id: stopId, to_route_id: toRouteId, position })),
        versions: plan.versions }),
      empty: !plan.moves.length,
    });
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    update();
  }
}

async function confirmPending() {
  const pending = state.pending;
  if (!pending || state.busy) return;
  state.busy = true;
  update();
  try {
    await pending.confirm();
    state.pending = null;
    state.notice = { kind: 'ok', text: t('d.change.saved') };
    await loadBoard();
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.code === 'version_conflict') {
      // The loser of a race sees why, and the route as it is now; nothing of theirs was applied.
      const fresh = error.body?.error?.route;
      if (fresh) replaceRoute(fresh);
      state.pending = null;
      state.notice = { kind: 'conflict', text: t('d.conflict', { version: fresh?.version ?? '?' }) };
      loadBoard().catch(showError);
    } else {
      showError(error);
    }
  } finally {
    state.busy = false;
    update();
  }
}

// --- drag and drop, and the keyboard way to do the same -----------------------------------------

function orderWithout(route, stopId) {
  return [...route.stops].sort((a, b) => a.sequence - b.sequence).map((s) => s.id).filter((id) => id !== stopId);
}

/** Dropping a stop on another stop puts it just before that one (in that stop's route). */
function dropBefore(stopId, targetRouteId, beforeStopId) {
  const { route: from } = stopById(stopId);
  const target = routeById(targetRouteId);
  if (!from || !target || stopId === beforeStopId) return;
  const ids = orderWithout(target, stopId);
  const index = beforeStopId == null ? ids.length : ids.indexOf(beforeStopId);
  if (from.id === target.id) {
    ids.splice(index < 0 ? ids.length : index, 0, stopId);
    previewSequence(target, ids);
  } else {
    previewMove(stopId, target.id, index < 0 ? null : index + 1);
  }
}

function onDragStart(event, stop) {
  dragged = stop.id;
  event.dataTransfer.effectAllowed = 'move';
  event.dataTransfer.setData('text/plain', String(stop.id));
}

function onDragOver(event) {
  event.preventDefault();
  event.dataTransfer.dropEffect = 'move';
}

function onDrop(event, routeId, beforeStopId) {
  event.preventDefault();
  event.stopPropagation();
  const stopId = Number(event.dataTransfer.getData('text/plain')) || dragged;
  dragged = null;
  if (stopId) dropBefore(stopId, routeId, beforeStopId);
}

function onStopKey(event, route, stop) {
  if (!event.altKey || !['ArrowUp', 'ArrowDown'].includes(event.key)) return;
  event.preventDefault();
  const ids = [...route.stops].sort((a, b) => a.sequence - b.sequence).map((s) => s.id);
  const index = ids.indexOf(stop.id);
  const target = event.key === 'ArrowUp' ? index - 1 : index + 1;
  if (target < 0 || target >= ids.length) return;
  [ids[index], ids[target]] = [ids[target], ids[index]];
  previewSequence(route, ids);
}

// --- order detail -------------------------------------------------------------------------------

async function openOrder(orderId) {
  state.order = { id: orderId, loading: true };
  update();
  const [order, events, proofs, notifications] = await Promise.all([
    get(`/api/v1/orders/${orderId}`), get(`/api/v1/orders/${orderId}/events`).catch(() => []),
    get(`/api/v1/orders/${orderId}/proofs`).catch(() => []),
    get(`/api/v1/orders/${orderId}/notifications`).catch(() => null),
  ]).catch((error) => { showError(error); return []; });
  if (!order) { state.order = null; update(); return; }
  state.order = { id: orderId, order, events, proofs, notifications };
  update();
  document.querySelector('[data-testid=order-close]')?.focus();
}

// --- views --------------------------------------------------------------------------------------

function loginView(message = '') {
  return html`<main class="login">
    <form @submit=${onLogin} aria-labelledby="login-title">
      <h1 id="login-title">${t('d.login.title')}</h1>
      <label>${t('d.login.email')}<input name="login" type="email" autocomplete="username" required></label>
      <label>${t('d.login.password')}<input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">${t('d.login.submit')}</button>
      ${message ? html`<p role="alert" class="error">${message}</p>` : nothing}
    </form>
  </main>`;
}

async function onLogin(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const session = await login(form.get('login'), form.get('password'));
    await start(session);
  } catch (error) {
    render(loginView(error instanceof ApiError && error.status < 500 ? t('d.login.failed') : errorMessage(error)), $('app'));
  }
}

function barView() {
  return html`<header class="bar">
    <h1>${t('app.name')} — ${t('dispatch.title')}</h1>
    <label>${t('d.date')}<input type="date" .value=${state.date || ''} @change=${(e) => { state.date = e.target.value; state.unassigned = []; loadBoard().catch(showError); }}></label>
    <label>${t('d.depot')}<select @change=${(e) => { state.depotId = Number(e.target.value) || null; loadBoard().catch(showError); }}>
      ${state.depots.map((d) => html`<option value=${d.id} ?selected=${d.id === state.depotId}>${d.name}</option>`)}
    </select></label>
    <label>${t('d.language')}<select @change=${(e) => { localStorage.setItem(LANGUAGE_KEY, e.target.value); setLanguage(e.target.value); update(); }}>
      <option value="en" ?selected=${language() === 'en'}>English</option>
      <option value="fr" ?selected=${language() === 'fr'}>Français</option>
    </select></label>
    <span class="live ${state.connected ? 'on' : 'off'}" role="status" data-testid="connection">${state.connected ? t('d.connected') : t('d.disconnected')}</span>
    <button type="button" @click=${async () => { await logout(); location.reload(); }}>${t('d.logout')}</button>
  </header>`;
}

function tabsView() {
  const tab = (name) => html`<button role="tab" id="tab-${name}" aria-controls="panel" aria-selected=${state.tab === name ? 'true' : 'false'}
    tabindex=${state.tab === name ? 0 : -1} @click=${() => { state.tab = name; update(); }}>${t(`d.tab.${name}`)}</button>`;
  return html`<div role="tablist" class="tabs" @keydown=${(e) => {
    const names = ['plan', 'live', 'timeline', 'analytics'];
    if (!['ArrowLeft', 'ArrowRight'].includes(e.key)) return;
    state.tab = names[(names.indexOf(state.tab) + (e.key === 'ArrowRight' ? 1 : names.length - 1)) % names.length];
    update();
    $(`tab-${state.tab}`)?.focus();
  }}>${tab('plan')}${tab('live')}${tab('timeline')}${tab('analytics')}</div>`;
}

function importView() {
  const { result, busy } = state.imports;
  return html`<section class="card" aria-labelledby="import-title">
    <h2 id="import-title">${t('d.import.title')}</h2>
    <label>${t('d.import.file')}<input type="file" accept=".csv,text/csv" data-testid="csv-file"
      @change=${(e) => { state.imports.file = e.target.files[0] || null; state.imports.result = null; update(); }}></label>
    <button type="button" ?disabled=${!state.imports.file || busy} @click=${() => runImport(true)}>${busy ? t('d.import.checking') : t('d.import.check')}</button>
    ${result ? html`<div data-testid="import-result" role="status">
      ${result.dryRun ? (result.errors?.length ? html`<p class="error">${t('d.import.errors', { count: result.errors.length })}</p>`
        : html`<p>${t('d.import.ok', { count: result.rows ?? 0 })}</p>`)
        : html`<p>${t('d.import.done', { created: result.created ?? 0, existing: result.existing ?? 0 })}</p>`}
      ${result.file_error ? html`<p class="error">${result.file_error}</p>` : nothing}
      ${result.errors?.length ? html`<table class="errors"><thead><tr><th>${t('d.import.line')}</th><th>${t('d.import.field')}</th><th>${t('d.import.message')}</th></tr></thead>
        <tbody>${result.errors.slice(0, 200).map((e) => html`<tr><td>${e.line}</td><td>${e.field}</td><td>${e.message}</td></tr>`)}</tbody></table>` : nothing}
      ${result.dryRun && !result.file_error ? html`
        ${result.errors?.length ? html`<label class="inline"><input type="checkbox" .checked=${state.imports.skipInvalid}
          @change=${(e) => { state.imports.skipInvalid = e.target.checked; update(); }}>${t('d.import.skipInvalid')}</label>` : nothing}
        <button type="button" ?disabled=${busy || (result.errors?.length && !state.imports.skipInvalid)}
          @click=${() => runImport(false)}>${t('d.import.run', { count: result.valid ?? result.rows ?? 0 })}</button>` : nothing}
    </div>` : nothing}
  </section>`;
}

function optimizerView() {
  const job = state.job;
  const running = job && ['queued', 'running'].includes(job.status);
  const vehicleName = (id) => state.vehicles.find((v) => v.id === id)?.name || t('d.noVehicle');
  let status = '';
  if (job) {
    status = job.status === 'succeeded' ? t('d.jobStatus.succeeded', { routes: job.result?.route_ids?.length ?? 0 })
      : job.status === 'failed' ? t('d.jobStatus.failed', { message: job.error?.message || '' })
        : t(`d.jobStatus.${job.status}`);
  }
  return html`<section class="card" aria-labelledby="opt-title">
    <h2 id="opt-title">${t('d.drivers')}</h2>
    <ul class="drivers">${state.drivers.map((d) => html`<li><label class="inline">
      <input type="checkbox" .checked=${state.selectedDrivers.has(d.id)} @change=${(e) => {
        if (e.target.checked) state.selectedDrivers.add(d.id); else state.selectedDrivers.delete(d.id);
        update();
      }}>${d.user?.name}</label>
      <select aria-label=${t('d.vehicle', { name: d.user?.name })} @change=${(e) => assignVehicle(d, Number(e.target.value) || null)}>
        <option value="" ?selected=${!d.default_vehicle_id}>${t('d.noVehicle')}</option>
        ${state.vehicles.filter((v) => v.active !== false).map((v) => html`<option value=${v.id} ?selected=${v.id === d.default_vehicle_id}>${vehicleName(v.id)}</option>`)}
      </select></li>`)}</ul>
    <label>${t('d.timeLimit')}<input type="number" min="1" max="600" step="1" .value=${String(state.timeLimit)}
      @change=${(e) => { state.timeLimit = e.target.value; }}></label>
    <div class="row">
      <button type="button" class="primary" data-testid="optimize" ?disabled=${running || !state.selectedDrivers.size} @click=${optimize}>${t('d.optimize')}</button>
      ${running ? html`<button type="button" data-testid="opt-stop" @click=${stopOptimization}>${t('d.stop')}</button>` : nothing}
    </div>
    ${job ? html`<div class="progress" data-testid="opt-panel">
      <progress max="1" .value=${job.status === 'succeeded' ? 1 : job.progress || 0} aria-label=${t('d.progress')} data-testid="opt-progress"></progress>
      <p role="status" data-testid="opt-status" data-status=${job.status}>${status}</p>
      ${job.detail?.best_cost != null ? html`<p data-testid="opt-cost">${t('d.bestCost', { cost: job.detail.best_cost })}</p>` : nothing}
      ${job.detail?.elapsed_s != null ? html`<p>${t('d.elapsed', { seconds: job.detail.elapsed_s })}</p>` : nothing}
    </div>` : nothing}
    ${state.unassigned.length ? html`<h3>${t('d.unassigned', { count: state.unassigned.length })}</h3>
      <ul data-testid="unassigned">${state.unassigned.map((u) => html`<li>${u.external_ref}: ${t(`d.reason.${u.reason}`)}</li>`)}</ul>` : nothing}
  </section>`;
}

function unplannedView() {
  const orders = state.board.unplanned;
  return html`<section class="card" aria-labelledby="unplanned-title">
    <h2 id="unplanned-title">${t('d.unplanned', { count: orders.length })}</h2>
    ${orders.length ? html`<div class="scroll"><table data-testid="unplanned-table">
      <thead><tr><th>${t('d.col.ref')}</th><th>${t('d.col.address')}</th><th>${t('d.col.window')}</th><th>${t('d.col.load')}</th><th>${t('d.col.actions')}</th></tr></thead>
      <tbody>${orders.map((o) => html`<tr data-order-id=${o.id}>
        <td>${o.external_ref}</td><td>${o.address}</td><td>${windowOf(o)}</td><td>${o.weight_kg} kg / ${o.parcel_count}</td>
        <td><button type="button" @click=${() => openOrder(o.id)}>${t('d.details')}</button>
          ${state.board.routes.length ? html`<button type="button" @click=${() => suggestInsertion(o)}>${t('d.insert')}</button>` : nothing}</td>
      </tr>`)}</tbody></table></div>` : nothing}
  </section>`;
}

function feedView() {
  return html`<section class="card" aria-labelledby="feed-title">
    <h2 id="feed-title">${t('d.feed')}</h2>
    <ol class="feed" data-testid="feed" aria-live="polite">
      ${state.feed.length ? state.feed.map((item) => html`<li class=${item.kind}><time>${time(item.at)}</time>
        ${item.orderId ? html`<a href="#" @click=${(e) => { e.preventDefault(); openOrder(item.orderId); }}>${item.text}</a>` : item.text}</li>`)
        : html`<li>${t('d.feed.empty')}</li>`}
    </ol>
    <h3>${t('d.drivers.live')}</h3>
    <ul data-testid="driver-positions">${[...state.positions.values()].map((p) => html`<li data-driver-id=${p.driver_id}>
      ${t('d.drivers.position', { name: driverName(p.driver_id), lat: p.lat.toFixed(5), lon: p.lon.toFixed(5), time: time(p.at) })}</li>`)}</ul>
  </section>`;
}

function summaryView(route) {
  const s = route.summary;
  if (!s) return nothing;
  const parts = [t('d.route.stops', { count: s.stops }), t('d.route.distance', { km: km(s.distance_m) }),
    t('d.route.driving', { duration: duration(s.driving_s) })];
  if (s.load_share != null) parts.push(t('d.route.load', { percent: Math.round(s.load_share * 100) }));
  if (s.start_at) parts.push(t('d.route.hours', { start: time(s.start_at), end: time(s.end_at) }));
  if (s.co2_g != null) parts.push(t('d.route.co2', { kg: (s.co2_g / 1000).toFixed(1) }));
  let pace = '';
  if (s.delay_s != null) {
    const minutes = Math.round(Math.abs(s.delay_s) / 60);
    pace = minutes === 0 ? t('d.route.onTime') : t(s.delay_s > 0 ? 'd.route.behind' : 'd.route.ahead', { minutes });
  }
  return html`<p class="summary" data-testid="route-summary">${parts.join(' · ')}</p>
    ${route.status !== 'draft' ? html`<p class="pace">${t('d.route.progress', { done: s.done, remaining: s.remaining })}
      ${pace ? html` · <span class=${s.delay_s > 300 ? 'late' : ''}>${pace}</span>` : nothing}</p>` : nothing}`;
}

function stopView(route, stop, risky, others) {
  const done = FINISHED.has(stop.status) || stop.status === 'arrived';
  const label = t('d.stop.label', { sequence: stop.sequence, address: stop.order.address });
  return html`<li class="stop ${stop.status} ${risky ? 'at-risk' : ''}" data-stop-id=${stop.id} data-order-id=${stop.order.id}
      draggable=${done ? 'false' : 'true'} tabindex="0" aria-label=${label}
      title=${done ? '' : t('d.stop.moveHint')} aria-describedby=${done ? nothing : 'move-hint'}
      @dragstart=${(e) => onDragStart(e, stop)} @dragover=${onDragOver} @drop=${(e) => onDrop(e, route.id, stop.id)}
      @keydown=${(e) => !done && onStopKey(e, route, stop)}>
    <span class="seq">${stop.sequence}</span>
    <span class="addr"><a href="#" @click=${(e) => { e.preventDefault(); openOrder(stop.order.id); }}>${stop.order.address}</a>
      <small>${windowOf(stop.order)} · ${t('d.stop.eta', { time: time(stop.eta_at) })}
        ${stop.planned_arrival_at ? html` · ${t('d.stop.planned', { time: time(stop.planned_arrival_at) })}` : nothing}
        · ${t(`stop.status.${stop.status}`)}</small>
      ${risky ? html`<strong class="risk" role="img" aria-label=${t('d.stop.atRisk')}>⚠ ${t('d.stop.atRisk')}</strong>` : nothing}</span>
    ${!done && others.length ? html`<select aria-label=${t('d.stop.moveTo', { sequence: stop.sequence, address: stop.order.address })}
      @change=${(e) => { const to = Number(e.target.value); e.target.value = ''; if (to) previewMove(stop.id, to, null); }}>
      <option value="">${t('d.stop.moveChoose')}</option>
      ${others.map((o) => html`<option value=${o.id}>${routeName(o)}</option>`)}</select>` : nothing}
  </li>`;
}

function routesView() {
  const routes = state.board.routes;
  const risky = atRiskStops();
  const drafts = routes.filter((r) => r.status === 'draft' && r.driver);
  return html`<section class="card" aria-labelledby="routes-title">
    <h2 id="routes-title">${t('d.routes', { count: routes.length })}</h2>
    <p id="move-hint" class="visually-hidden">${t('d.stop.moveHint')}</p>
    ${drafts.length ? html`<button type="button" data-testid="publish-all" @click=${() => publish(drafts.map((r) => r.id))}>${t('d.publishAll')}</button>` : nothing}
    ${routes.length ? nothing : html`<p>${t('d.noRoutes')}</p>`}
    ${routes.map((route, index) => {
    const others = routes.filter((o) => o.id !== route.id && o.status !== 'completed');
    const stops = [...route.stops].sort((a, b) => a.sequence - b.sequence);
    const riskCount = stops.filter((s) => risky.has(s.id)).length;
    return html`<article class="route" data-route-id=${route.id} data-version=${route.version} data-testid="route-card"
        style="--route-colour: ${colourOf(index)}" aria-labelledby="route-${route.id}-title">
      <h3 id="route-${route.id}-title"><span class="swatch" aria-hidden="true"></span>${routeName(route)}
        <small>${t(`d.status.${route.status}`)} · v${route.version}</small>
        ${riskCount ? html`<small class="late">${t('d.route.atRisk', { count: riskCount })}</small>` : nothing}</h3>
      ${summaryView(route)}
      <div class="row">
        ${route.status === 'draft' && route.driver ? html`<button type="button" @click=${() => publish([route.id])}>${t('d.publish')}</button>` : nothing}
        ${route.status !== 'completed' ? html`<button type="button" ?disabled=${state.busy} @click=${() => suggestReoptimization(route)}>${t('d.reoptimize')}</button>
          <button type="button" ?disabled=${state.busy || !others.length} @click=${() => suggestRedistribution(route)}>${t('d.breakdown')}</button>` : nothing}
      </div>
      <ol class="stops" data-testid="stop-list" @dragover=${onDragOver} @drop=${(e) => onDrop(e, route.id, null)}>
        ${stops.map((stop) => stopView(route, stop, risky.has(stop.id), others))}
      </ol>
      ${route.status !== 'completed' ? html`<div class="drop-end" @dragover=${onDragOver} @drop=${(e) => onDrop(e, route.id, null)}>${t('d.dropEnd')}</div>` : nothing}
    </article>`;
  })}
  </section>`;
}

function pendingView() {
  const pending = state.pending;
  if (!pending) return nothing;
  const violations = violationsOf(pending.previews);
  return html`<section class="card pending" role="dialog" aria-modal="false" aria-labelledby="pending-title" data-testid="change-review">
    <h2 id="pending-title">${t('d.change.title')}</h2>
    <p>${pending.title}</p>
    ${violations.length ? html`<div class="violations" role="alert" data-testid="violations">
        <p>${t('d.change.violations', { count: violations.length })}</p>
        <ul>${violations.map((v) => html`<li data-stop-id=${v.stop_id ?? ''}>${v.text}</li>`)}</ul></div>`
      : html`<p class="ok" data-testid="no-violations">${t('d.change.noViolation')}</p>`}
    ${(pending.moves || []).length ? html`<ul>${pending.moves.map((line) => html`<li>${line}</li>`)}</ul>` : nothing}
    ${(pending.unassigned || []).map((u) => html`<p class="error">${t('d.change.unassigned', { address: u.address || '', reason: t(`d.reason.${u.reason}`) })}</p>`)}
    ${pending.previews.map((preview) => {
    const route = routeById(preview.route_id);
    return html`<h3>${routeName(route)} — ${t('d.change.distance', { km: km(preview.distance_m), duration: duration(preview.duration_s) })}</h3>
      <table class="preview" data-testid="preview-table" data-route-id=${preview.route_id}>
        <thead><tr><th>${t('d.change.stop')}</th><th>${t('d.col.address')}</th><th>${t('d.change.newEta')}</th><th>${t('d.change.was')}</th></tr></thead>
        <tbody>${preview.stops.map((s) => {
      const current = stopById(s.stop_id).stop;
      const bad = (s.violations || []).length > 0;
      return html`<tr class=${bad ? 'bad' : ''} data-stop-id=${s.stop_id ?? ''}><td>${s.sequence}</td>
          <td>${s.address || current?.order.address || ''}</td><td>${time(s.eta)}</td><td>${time(current?.eta_at || current?.planned_arrival_at)}</td></tr>`;
    })}</tbody></table>`;
  })}
    <div class="row">
      <button type="button" class="primary" data-testid="change-confirm" ?disabled=${state.busy || pending.empty} @click=${confirmPending}>${t('d.change.confirm')}</button>
      <button type="button" data-testid="change-cancel" @click=${() => { state.pending = null; update(); }}>${t('d.change.cancel')}</button>
    </div>
  </section>`;
}

function noticeView() {
  if (!state.notice) return nothing;
  return html`<div class="notice ${state.notice.kind}" role=${state.notice.kind === 'ok' ? 'status' : 'alert'} data-testid="notice"
      data-kind=${state.notice.kind}>${state.notice.text}
    <button type="button" aria-label=${t('common.dismiss')} @click=${() => { state.notice = null; update(); }}>×</button></div>`;
}

function orderView() {
  const detail = state.order;
  if (!detail) return nothing;
  const close = () => { state.order = null; update(); };
  if (detail.loading) return html`<aside class="order" role="dialog" aria-label=${t('d.working')}><p>${t('d.working')}</p></aside>`;
  const { order, events, proofs, notifications } = detail;
  return html`<aside class="order" role="dialog" aria-labelledby="order-title" data-testid="order-detail"
      @keydown=${(e) => e.key === 'Escape' && close()}>
    <h2 id="order-title">${t('d.order.title', { ref: order.external_ref })}</h2>
    <button type="button" class="close" data-testid="order-close" @click=${close}>${t('d.order.close')}</button>
    <p>${order.address}<br>${windowOf(order)} · ${order.status}</p>
    <h3>${t('d.order.timeline')}</h3>
    <ol class="timeline" data-testid="order-events">${events.map((e) => html`<li><time>${time(e.at)}</time>
      ${e.type === 'status' ? `${e.from_status} → ${e.to_status}` : e.type}${e.details?.reason ? ` (${e.details.reason})` : ''}</li>`)}</ol>
    <h3>${t('d.order.proofs')}</h3>
    ${proofs.length ? proofs.map((p) => html`<div class="proof" data-testid="proof">
      <p>${p.outcome}${p.failure_reason ? ` (${p.failure_reason})` : ''} · ${time(p.at)}
        ${p.recipient_name ? html`<br>${t('d.order.recipient', { name: p.recipient_name })}` : nothing}
        ${p.distance_from_address_m != null ? html`<br><span class=${p.distance_from_address_m > 200 ? 'late' : ''}>${t('d.order.distance', { metres: p.distance_from_address_m })}</span>` : nothing}</p>
      ${p.photos.map((f) => html`<figure><img src=${f.url} alt=${t('d.order.photo', { time: time(f.captured_at) })} loading="lazy"><figcaption>${t('d.order.photo', { time: time(f.captured_at) })}</figcaption></figure>`)}
      ${p.signature ? html`<figure><img src=${p.signature.url} alt=${t('d.order.signature')} class="signature"><figcaption>${t('d.order.signature')}</figcaption></figure>` : nothing}
    </div>`) : html`<p>${t('d.order.noProof')}</p>`}
    ${notifications ? html`<h3>${t('d.order.notifications')}</h3>
      ${notifications.length ? html`<ul data-testid="notifications">${notifications.map((n) => html`<li>${n.channel} · ${n.kind} → ${n.destination}: <strong>${n.status}</strong>${n.provider_status ? ` (${n.provider_status})` : ''}</li>`)}</ul>`
        : html`<p>${t('d.order.noNotification')}</p>`}` : nothing}
  </aside>`;
}

function panelView() {
  if (state.tab === 'plan') return html`${importView()}${optimizerView()}${unplannedView()}`;
  if (state.tab === 'live') return feedView();
  if (state.tab === 'analytics') return html`<div id="analytics-root"></div>`; // filled by the dashboard module
  return html`<section class="card" aria-label=${t('d.gantt')} data-testid="gantt"><h2>${t('d.tab.timeline')}</h2>
    <div class="gantt-wrap" tabindex="0">${gantt(state.board.routes, timeZone())}</div></section>`;
}

function update() {
  if (!$('side')) return;
  // --- analytics tab: the dashboard takes the side column and the map's place -------------------
  const analytics = state.tab === 'analytics';
  if ($('app').classList.contains('analytics-mode') !== analytics) {
    $('app').classList.toggle('analytics-mode', analytics);
    if (!analytics) setTimeout(() => consoleMap?.invalidate()); // the map was hidden: let Leaflet measure again
  }
  // --- end analytics tab ---------------------------------------------------------------------------
  render(barView(), $('bar'));
  render(html`${noticeView()}${pendingView()}${tabsView()}<div id="panel" role="tabpanel" aria-labelledby="tab-${state.tab}">${panelView()}</div>${analytics ? nothing : routesView()}`, $('side'));
  if (analytics) {
    showAnalytics($('analytics-root'), { user: state.user, depots: state.depots, date: state.date, settings: state.settings })
      .catch(showError);
  }
  render(orderView(), $('detail'));
  if (consoleMap) {
    const depot = state.depots.find((d) => d.id === state.depotId);
    consoleMap.draw({ routes: state.board.routes, unplanned: state.board.unplanned, depot, atRisk: atRiskStops(),
      key: `${state.date}|${state.depotId}` });
    for (const position of state.positions.values()) drawDriver(position);
  }
}

async function start(session) {
  const user = session.user;
  if (!STAFF.has(user.role)) {
    render(html`<main class="login"><p role="alert">${t('d.login.staffOnly')}</p>
      <button type="button" @click=${async () => { await logout(); location.reload(); }}>${t('d.logout')}</button></main>`, $('app'));
    return;
  }
  state.user = user;
  setLanguage(localStorage.getItem(LANGUAGE_KEY) || chooseLanguage(user.language));
  const app = $('app');
  app.innerHTML = '';
  app.className = 'console';
  for (const [id, tag] of [['bar', 'div'], ['side', 'div'], ['map', 'div'], ['detail', 'div']]) {
    const element = document.createElement(tag);
    element.id = id;
    app.append(element);
  }
  $('map').setAttribute('role', 'region');
  state.settings = await get('/api/v1/dispatch/settings');
  await loadFleet();
  state.date = new URLSearchParams(location.search).get('date') || todayIn(timeZone());
  $('map').setAttribute('aria-label', t('d.map'));
  consoleMap = new ConsoleMap($('map'), { tileUrl: state.settings.tile_url, attribution: state.settings.tile_attribution,
    onOrderClick: (orderId) => openOrder(orderId),
    // With OSRM on the server, each route's legs are redrawn along the roads once its path arrives.
    loadGeometry: state.settings.road_geometry ? (routeId) => get(`/api/v1/routes/${routeId}/geometry`) : null });
  await loadBoard();
  connectLive();
}

async function boot() {
  setLanguage(localStorage.getItem(LANGUAGE_KEY) || chooseLanguage());
  try {
    await start(await me());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) render(loginView(), $('app'));
    else render(html`<p role="alert">${t('d.error', { message: errorMessage(error) })}</p>`, $('app'));
  }
}

boot();
