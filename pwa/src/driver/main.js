// The driver app: today's route stop by stop, offline first.
// Everything the driver does is written to the IndexedDB outbox and shown at once (applyPending);
// the outbox is replayed on `online`, on start, on socket (re)connect and by Background Sync.
import { html, nothing, render } from 'lit-html';
import * as api from '../shared/api.js';
import { ApiError, NetworkError } from '../shared/api.js';
import { clearUserData, getMeta, getSnapshot, saveSnapshot, setMeta } from '../shared/db.js';
import { chooseLanguage, setLanguage, t, tn } from '../shared/i18n.js';
import { dismissRejected, enqueue, newKey, pending, rejected, replay } from '../shared/outbox.js';
import { pushSupported, subscribeThisBrowser } from '../shared/push.js';
import { connectSocket, emitWithAck, loadClockOffset, serverNow } from '../shared/socket.js';
import { formatDate, formatDistance, formatMoney, formatTime } from '../shared/time.js';
import { LocationSharing, ScreenWakeLock } from './location.js';
import { SignaturePad, canScanBarcodes, compressPhoto, detectBarcodes } from './media.js';
import {
  applyPending, describeChange, isDone, navigationLinks, nextStop, parcelsOf, sortedStops,
} from './state.js';
import './styles.css';

const FAILURE_REASONS = ['not_home', 'refused', 'damaged', 'wrong_address', 'no_access', 'other'];
const BASE = '/driver';
const MAX_PHOTOS = 10; // what the server keeps per delivery

const state = {
  booting: true,
  session: null,
  push: null, // "on" once this browser gets route-change notifications
  snapshot: null, // the server's route, as last received
  entries: [], // outbox entries not yet accepted by the server
  rejectedWrites: [],
  online: navigator.onLine,
  syncing: false,
  notices: [], // [{id, text}] what changed, shown until dismissed
  error: null,
  view: parsePath(location.pathname),
  pausedWhileHidden: false,
  directions: null, // {stopId, loading, result, error}
  loginError: null,
  loadMessage: null,
};

let socket = null;
let listScrollY = 0;
const locationSharing = new LocationSharing({ getSocket: () => socket, onChange: () => refreshQueue() });
const wakeLock = new ScreenWakeLock();

// --- navigation -------------------------------------------------------------------------------

function parsePath(pathname) {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : '';
  const match = rest.match(/^\/stops\/(\d+)(?:\/(deliver|fail))?\/?$/);
  if (match) return { name: match[2] || 'stop', stopId: Number(match[1]) };
  return { name: 'route' };
}

function navigate(path) {
  if (state.view.name === 'route') listScrollY = window.scrollY;
  history.pushState({}, '', path);
  showView(parsePath(path));
}

function showView(view) {
  const backToList = view.name === 'route' && state.view.name !== 'route';
  state.view = view;
  state.directions = null;
  update();
  requestAnimationFrame(() => {
    window.scrollTo(0, backToList ? listScrollY : 0);
    document.querySelector('h1, h2')?.focus({ preventScroll: true });
  });
}

window.addEventListener('popstate', () => showView(parsePath(location.pathname)));

function link(path) {
  return (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(path);
  };
}

// --- data -------------------------------------------------------------------------------------

function currentRoute() {
  return applyPending(state.snapshot, state.entries);
}

function findStop(route, stopId) {
  return route?.stops.find((stop) => stop.id === stopId) || null;
}

function timeZone() {
  return state.snapshot?.depot?.timezone || undefined;
}

async function refreshQueue() {
  [state.entries, state.rejectedWrites] = await Promise.all([pending(), rejected()]);
  update();
}

async function adoptSnapshot(route, change) {
  const previous = currentRoute();
  const saved = await saveSnapshot(route);
  if (saved !== route) return; // an older version than the one we have
  state.snapshot = route;
  if (change !== undefined && previous) {
    const text = describeChange(previous, currentRoute(), change);
    if (text) addNotice(text);
  }
  update();
}

function addNotice(text) {
  state.notices = [...state.notices.slice(-2), { id: newKey(), text }];
}

async function loadRoute() {
  try {
    const route = await api.get('/api/v1/driver/route');
    await adoptSnapshot(route);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      // No route today (or the endpoint is not there yet): forget yesterday's cached route.
      await saveSnapshot(null);
      state.snapshot = null;
    } else if (error instanceof ApiError && error.status === 401) {
      await endSession();
    } else if (!(error instanceof NetworkError)) {
      state.error = error.message;
    }
  }
  update();
}

let syncAgain = false;

async function sync() {
  if (state.syncing) {
    syncAgain = true;
    return;
  }
  state.syncing = true;
  update();
  let renewals = 0;
  try {
    do {
      syncAgain = false;
      const result = await replay();
      for (const { answer } of result.answers) {
        if (answer?.status === 'conflict' && answer.message) addNotice(answer.message);
      }
      const saved = await getSnapshot();
      if (saved) state.snapshot = saved;
      if (result.stoppedBy instanceof ApiError && result.stoppedBy.needsLogin && renewals < 1) {
        // A stale CSRF token is renewed by /auth/me and the replay goes on; an ended session shows login.
        renewals += 1;
        await renewSession();
        syncAgain = Boolean(state.session);
      }
    } while (syncAgain);
  } finally {
    state.syncing = false;
    await refreshQueue();
  }
}

async function renewSession() {
  try {
    state.session = await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) state.session = null;
  }
}

// --- live -------------------------------------------------------------------------------------

function startSocket() {
  if (socket) return;
  socket = connectSocket({
    onConnect: async (connected) => {
      update();
      sync();
      if (state.snapshot) {
        try {
          const answer = await emitWithAck(connected, 'route.resync',
            { route_id: state.snapshot.id, version: state.snapshot.version });
          if (answer?.route) await adoptSnapshot(answer.route, null);
        } catch {
          // Older servers or a slow answer: route.updated events and the next load cover it.
        }
      } else {
        loadRoute();
      }
    },
    onDisconnect: () => update(),
  });
  socket.on('route.updated', (payload) => {
    const route = payload?.route;
    if (!route) return;
    if (route.driver && state.session?.driver_id && route.driver.id !== state.session.driver_id) {
      // The route went to another driver: say so, and ask the server what this driver has now.
      addNotice(describeChange(state.snapshot, route, payload.change) || t('change.generic'));
      loadRoute();
      return;
    }
    adoptSnapshot(route, payload.change ?? null);
  });
}

function stopSocket() {
  socket?.disconnect();
  socket = null;
}

/** Share the location exactly while the route is in progress; keep the screen on meanwhile. */
function followDuty(route) {
  const onDuty = Boolean(state.session && route && route.status === 'in_progress');
  if (onDuty) locationSharing.start();
  else locationSharing.stop();
  wakeLock.want(onDuty && !route.on_break);
  return onDuty;
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') {
    if (locationSharing.active) state.pausedWhileHidden = true;
  } else {
    wakeLock.want(wakeLock.wanted);
    sync();
  }
  update();
});

window.addEventListener('online', async () => {
  state.online = true;
  update();
  if (state.session && !socket) {
    // Started offline: check the session now (fresh CSRF token, socket) before replaying.
    try {
      await adoptSession(await api.me(), { restartSocket: false });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) await endSession();
    }
    return;
  }
  await sync();
  loadRoute();
});
window.addEventListener('offline', () => {
  state.online = false;
  update();
});

navigator.serviceWorker?.addEventListener('message', async (event) => {
  // The service worker replayed the outbox in the background: show what it got.
  if (event.data?.type === 'outbox-replayed') {
    const saved = await getSnapshot();
    if (saved) state.snapshot = saved;
    await refreshQueue();
  }
});

// --- actions ----------------------------------------------------------------------------------

/** Record one driver action: outbox first (with its photos), screen at once, server when reachable. */
async function act(type, { stop = null, data = {}, uploads = [], photoRefs, signatureRef } = {}) {
  const fix = locationSharing.lastFix;
  const body = {
    idempotency_key: newKey(),
    type,
    at: serverNow(),
    route_id: state.snapshot.id,
    data,
  };
  if (stop) body.stop_id = stop.id;
  if (fix) Object.assign(body, { lat: fix.lat, lon: fix.lon, accuracy: fix.accuracy });
  await enqueue(...uploads, { kind: 'action', key: body.idempotency_key, body, photoRefs, signatureRef });
  await refreshQueue();
  sync();
}

async function startRoute() {
  const missing = parcelsOf(currentRoute()).filter((parcel) => !parcel.loaded_at);
  if (missing.length && !confirm(tn('route.missingWarn', missing.length))) return;
  await act('route.start');
}

async function endRoute() {
  if (!confirm(t('route.confirmEnd'))) return;
  await act('route.end');
}

async function toggleBreak() {
  await act(currentRoute()?.on_break ? 'break.end' : 'break.start');
}

async function loadParcel(barcode) {
  const code = barcode.trim();
  if (!code) return;
  const parcel = parcelsOf(currentRoute()).find((each) => each.barcode === code);
  if (!parcel) {
    state.loadMessage = { error: true, text: t('route.unknownParcel', { barcode: code }) };
  } else {
    state.loadMessage = { error: false, text: t('route.parcelLoaded', { barcode: code }) };
    if (!parcel.loaded_at) await act('parcel.load', { data: { barcode: code } });
  }
  update();
}

async function scanInto(event, onCode) {
  const file = event.target.files?.[0];
  event.target.value = '';
  if (!file) return;
  const codes = await detectBarcodes(file);
  if (!codes || !codes.length) {
    state.loadMessage = { error: true, text: t('pod.noBarcodeFound') };
    update();
    return;
  }
  for (const code of codes) await onCode(code);
}

async function showDirections(stop) {
  const fix = locationSharing.lastFix || (await currentPosition());
  if (!fix) {
    state.directions = { stopId: stop.id, error: t('stop.directionsUnavailable') };
    update();
    return;
  }
  state.directions = { stopId: stop.id, loading: true };
  update();
  try {
    const query = new URLSearchParams({ stop_id: stop.id, lat: fix.lat, lon: fix.lon });
    const result = await api.get(`/api/v1/driver/directions?${query}`);
    state.directions = { stopId: stop.id, result };
  } catch {
    state.directions = { stopId: stop.id, error: t('stop.directionsUnavailable') };
  }
  update();
}

function currentPosition() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) {
      resolve(null);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ lat: position.coords.latitude, lon: position.coords.longitude }),
      () => resolve(null),
      { timeout: 10000, maximumAge: 30000 },
    );
  });
}

// --- proof of delivery form -------------------------------------------------------------------

let pod = null;

function podFor(stop, mode) {
  if (!pod || pod.stopId !== stop.id || pod.mode !== mode) {
    for (const photo of pod?.photos || []) URL.revokeObjectURL(photo.url);
    pod = {
      stopId: stop.id, mode, photos: [], busy: 0, barcodes: new Set(), name: stop.order.recipient?.name || '',
      note: '', amount: '', idChecked: false, ageVerified: false, reason: '', error: null, pad: null,
      padCanvas: null, hasSignature: false, submitting: false,
    };
  }
  return pod;
}

async function addPhotos(event) {
  const files = [...(event.target.files || [])];
  event.target.value = '';
  const form = pod;
  for (const file of files.slice(0, MAX_PHOTOS - form.photos.length)) {
    form.busy += 1;
    update();
    try {
      const blob = await compressPhoto(file);
      form.photos.push({ ref: newKey(), blob, url: URL.createObjectURL(blob), captured_at: serverNow() });
    } catch (error) {
      form.error = t('common.error', { message: error.message });
    } finally {
      form.busy -= 1;
      update();
    }
  }
}

function removePhoto(index) {
  const [photo] = pod.photos.splice(index, 1);
  if (photo) URL.revokeObjectURL(photo.url);
  update();
}

function uploadEntry(ref, blob, uploadKind, capturedAt) {
  const fix = locationSharing.lastFix;
  return { kind: 'upload', ref, key: newKey(), blob, uploadKind, captured_at: capturedAt, lat: fix?.lat ?? null,
    lon: fix?.lon ?? null };
}

async function submitDelivery(stop) {
  const form = pod;
  const order = stop.order;
  const hasSignature = form.pad && !form.pad.isEmpty();
  if (!form.photos.length && !hasSignature) form.error = t('pod.needSomething');
  else if (order.requires_id_check && !form.idChecked) form.error = t('pod.needId');
  else if (order.min_age && !form.ageVerified) form.error = t('pod.needAge');
  else if (order.cod_amount_cents > 0 && form.amount.trim() === '') form.error = t('pod.needAmount');
  else form.error = null;
  if (form.error || form.submitting) {
    update();
    return;
  }
  form.submitting = true;
  const uploads = form.photos.map((photo) => uploadEntry(photo.ref, photo.blob, 'photo', photo.captured_at));
  let signatureRef;
  if (hasSignature) {
    signatureRef = newKey();
    uploads.push(uploadEntry(signatureRef, await form.pad.toBlob(), 'signature', serverNow()));
  }
  const data = {
    recipient_name: form.name.trim(),
    note: form.note.trim(),
    barcodes: [...form.barcodes],
    id_checked: Boolean(order.requires_id_check && form.idChecked),
    age_verified: Boolean(order.min_age && form.ageVerified),
  };
  if (order.cod_amount_cents > 0) data.cod_collected_cents = Math.round(parseFloat(form.amount.replace(',', '.')) * 100) || 0;
  await act('stop.complete', { stop, data, uploads, photoRefs: form.photos.map((photo) => photo.ref), signatureRef });
  pod = null;
  navigate(BASE);
}

async function submitFailure(stop) {
  const form = pod;
  form.error = form.reason ? null : t('fail.reason');
  if (form.error || form.submitting) {
    update();
    return;
  }
  form.submitting = true;
  const uploads = form.photos.map((photo) => uploadEntry(photo.ref, photo.blob, 'photo', photo.captured_at));
  await act('stop.fail', {
    stop, data: { reason: form.reason, note: form.note.trim() }, uploads, photoRefs: form.photos.map((p) => p.ref),
  });
  pod = null;
  navigate(BASE);
}

function attachSignaturePad() {
  const canvas = document.getElementById('signature');
  if (!canvas || !pod || pod.padCanvas === canvas) return;
  pod.padCanvas = canvas;
  pod.pad = new SignaturePad(canvas);
  canvas.addEventListener('signature-change', () => {
    pod.hasSignature = !pod.pad.isEmpty();
    update();
  });
}

// --- session ----------------------------------------------------------------------------------

async function submitLogin(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  state.loginError = null;
  try {
    const session = await api.login(String(form.get('login')).trim(), String(form.get('password')));
    const previousUser = await getMeta('userId');
    if (previousUser && previousUser !== session.user.id) {
      // Another driver used this phone: drop their cached route and settings. Their unsent writes stay
      // in the outbox (the server decides, per route, whether this session may apply them).
      await clearUserData({ keepOutbox: true });
      await api.setCsrfToken(session.csrf_token);
    }
    await adoptSession(session);
  } catch (error) {
    state.loginError = error instanceof NetworkError ? t('login.offline') : t('login.failed');
    update();
  }
}

/** A confirmed session: remember it for offline starts, connect the socket, fetch the route, replay. */
async function adoptSession(session, { restartSocket = true } = {}) {
  state.session = session;
  setLanguage(chooseLanguage(session.user?.language));
  await setMeta('userId', session.user.id);
  await setMeta('session', { user: session.user, driver_id: session.driver_id, org: session.org });
  // After a login the cookie is new: a socket opened with the old one must reconnect.
  if (restartSocket) stopSocket();
  startSocket();
  await loadRoute();
  sync();
  // A browser that already allowed notifications is re-subscribed silently (no prompt): the server
  // may have dropped an expired subscription.
  if (pushSupported() && Notification.permission === 'granted') enableRoutePush();
}

/** Route changes made while the app is in the background arrive as notifications (asked on a press). */
async function enableRoutePush() {
  try {
    const body = await subscribeThisBrowser(api.get);
    state.push = body ? 'on' : 'denied';
    if (body) await api.post('/api/v1/push/subscriptions', body);
  } catch (error) {
    state.push = 'error';
  }
  update();
}

async function endSession() {
  stopSocket();
  state.session = null;
  await setMeta('session', null);
  update();
}

async function logout() {
  stopSocket();
  locationSharing.stop();
  try {
    await api.logout();
  } catch {
    // Offline: the cookie expires on its own; the local data is cleared below either way.
  }
  if (!state.entries.length) await clearUserData();
  state.session = null;
  state.snapshot = null;
  await setMeta('session', null);
  update();
}

// --- rendering --------------------------------------------------------------------------------

const root = document.getElementById('app');
// lit-html renders next to existing children: drop the static "loading" text of index.html first.
root.replaceChildren();

function update() {
  const route = currentRoute();
  const onDuty = followDuty(route);
  render(appView(route, onDuty), root);
  if (state.view.name === 'deliver') attachSignaturePad();
}

function statusBar(route, onDuty) {
  // Count what the driver did (an action and its photos are one thing to them), not positions.
  const waiting = state.entries.filter((entry) => entry.kind === 'action').length;
  const connected = state.online && socket?.connected;
  return html`
    <div class="statusbar" role="status">
      <span class="pill ${state.online ? 'ok' : 'warn'}">${state.online ? t('common.online') : t('common.offline')}</span>
      <span class="pill ${waiting ? 'warn' : 'ok'}" data-testid="sync-status">
        ${waiting ? t('common.toSync', { count: waiting }) : state.syncing ? t('common.syncing') : t('common.synced')}</span>
      ${state.session ? html`<span class="pill ${onDuty ? 'duty' : 'off'}" data-testid="duty">
        ${onDuty ? (route.on_break ? t('route.onBreak') : t('route.onDuty')) : t('route.offDuty')}</span>` : nothing}
      ${connected === false && state.online && state.session ? html`<span class="dot" aria-hidden="true"></span>` : nothing}
    </div>
    ${state.session && pushSupported() && Notification.permission === 'default' && state.push !== 'on'
      ? html`<p class="hint"><button class="link" data-testid="enable-push" @click=${enableRoutePush}>
          ${t('push.routeChanges')}</button></p>` : nothing}
    ${onDuty ? html`<p class="hint">${t('route.hiddenHint')}</p>` : nothing}
    ${state.pausedWhileHidden && onDuty ? html`<p class="notice warn">${t('route.pausedWhileHidden')}
      <button class="link" @click=${() => { state.pausedWhileHidden = false; update(); }}>${t('common.dismiss')}</button></p>` : nothing}
    <div class="toasts" role="status" aria-live="polite">${state.notices.map((notice) => html`<p class="notice" data-testid="change-notice">${notice.text}
      <button class="link" @click=${() => { state.notices = state.notices.filter((n) => n !== notice); update(); }}>${t('common.dismiss')}</button></p>`)}</div>
    ${state.rejectedWrites.map((write) => html`<p class="notice error">${t('common.rejected', { message: write.message })}
      <button class="link" @click=${async () => { await dismissRejected(write.seq); refreshQueue(); }}>${t('common.dismiss')}</button></p>`)}
    ${state.error ? html`<p class="notice error">${t('common.error', { message: state.error })}</p>` : nothing}`;
}

function appView(route, onDuty) {
  if (state.booting) return html`<p class="boot">${t('app.name')}…</p>`;
  if (!state.session) return loginView();
  let screen;
  const stop = state.view.stopId ? findStop(route, state.view.stopId) : null;
  if (state.view.name !== 'route' && stop) {
    if (state.view.name === 'deliver') screen = deliverView(route, stop);
    else if (state.view.name === 'fail') screen = failView(stop);
    else screen = stopView(route, stop);
  } else {
    screen = routeView(route);
  }
  return html`${statusBar(route, onDuty)}${screen}`;
}

function loginView() {
  return html`
    <form class="card login" @submit=${submitLogin}>
      <h1 tabindex="-1">${t('login.title')}</h1>
      <label for="login">${t('login.login')}</label>
      <input id="login" name="login" autocomplete="username" inputmode="email" required>
      <label for="password">${t('login.password')}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      ${state.loginError ? html`<p class="notice error" role="alert">${state.loginError}</p>` : nothing}
      <button class="primary" type="submit">${t('login.submit')}</button>
    </form>`;
}

function windowText(order) {
  const window = order.time_windows?.[0];
  if (!window) return '';
  return t('stop.window', { start: formatTime(window.start, timeZone()), end: formatTime(window.end, timeZone()) });
}

/** The live ETA when the server has one, else the planned arrival. */
function etaText(stop) {
  const eta = stop.eta_at || stop.planned_arrival_at;
  return eta && !isDone(stop) ? html` · ${t('stop.eta', { time: formatTime(eta, timeZone()) })}` : nothing;
}

function stopSummary(stop) {
  const order = stop.order;
  return html`
    <span class="seq" aria-hidden="true">${stop.sequence}</span>
    <span class="summary">
      <strong class="address">${order.address}</strong>
      <span class="meta">${windowText(order)}${etaText(stop)}
        · ${tn('stop.parcels', order.parcel_count ?? order.parcels?.length ?? 0)}</span>
      ${order.notes ? html`<span class="meta">${order.notes}</span>` : nothing}
    </span>
    <span class="badge ${stop.status}">${t(`stop.status.${stop.status}`)}</span>`;
}

function routeView(route) {
  if (!route) {
    return html`<section class="card"><h1 tabindex="-1">${t('route.title')}</h1><p>${t('route.none')}</p>
      <button class="secondary" @click=${loadRoute}>${t('route.refresh')}</button>
      <button class="link" @click=${logout}>${t('login.logout')}</button></section>`;
  }
  const stops = sortedStops(route);
  const next = nextStop(route);
  const done = stops.filter(isDone).length;
  return html`
    <header class="route-head">
      <h1 tabindex="-1">${t('route.title')}</h1>
      <p class="meta">${formatDate(route.planned_start_at || `${route.date}T12:00:00Z`, timeZone())}
        · ${t(`route.status.${route.status}`)} · ${t('route.stopCount', { done, total: stops.length })}</p>
    </header>
    ${next ? nextCard(next) : html`<p class="card">${t('route.allDone')}</p>`}
    ${route.status === 'published' || route.status === 'draft' ? loadingView(route) : nothing}
    <div class="controls">
      ${route.status === 'published' || route.status === 'draft'
        ? html`<button class="primary" @click=${startRoute}>${t('route.start')}</button>` : nothing}
      ${route.status === 'in_progress' ? html`
        <button class="secondary" @click=${toggleBreak}>${route.on_break ? t('route.breakEnd') : t('route.breakStart')}</button>
        <button class="secondary" @click=${endRoute}>${t('route.end')}</button>` : nothing}
    </div>
    <h2>${t('route.stops')}</h2>
    <ol class="stops" data-testid="stop-list">
      ${stops.map((stop) => html`<li data-stop-id=${stop.id} class=${stop.id === next?.id ? 'current' : ''}>
        <a class="stop-row" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}
           aria-label=${`${t('stop.open', { sequence: stop.sequence })}: ${stop.order.address}`}>${stopSummary(stop)}</a></li>`)}
    </ol>
    <button class="link" @click=${logout}>${t('login.logout')}</button>`;
}

function navLinks(stop) {
  const links = navigationLinks(stop);
  return html`
    <div class="nav-links" data-testid="nav-links">
      <a class="button primary" href=${links.geo} data-nav="geo">${t('stop.navigate')}</a>
      <a class="button secondary" href=${links.google} target="_blank" rel="noopener" data-nav="google">Google Maps</a>
      <a class="button secondary" href=${links.apple} target="_blank" rel="noopener" data-nav="apple">Apple Maps</a>
      <a class="button secondary" href=${links.waze} target="_blank" rel="noopener" data-nav="waze">Waze</a>
    </div>`;
}

function nextCard(stop) {
  const order = stop.order;
  return html`
    <section class="card next" data-testid="next-stop" aria-labelledby="next-title">
      <h2 id="next-title">${t('route.next')} · ${t('stop.sequence', { sequence: stop.sequence })}</h2>
      <p class="address big">${order.address}</p>
      <p class="meta">${windowText(order)}${etaText(stop)}</p>
      ${navLinks(stop)}
      <a class="button secondary" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>
        ${t('stop.open', { sequence: stop.sequence })}</a>
    </section>`;
}

function loadingView(route) {
  const parcels = parcelsOf(route);
  const missing = parcels.filter((parcel) => !parcel.loaded_at);
  const onKey = (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      loadParcel(event.target.value);
      event.target.value = '';
    }
  };
  return html`
    <section class="card" aria-labelledby="loading-title">
      <h2 id="loading-title">${t('route.loading')}</h2>
      <p>${t('route.loaded', { loaded: parcels.length - missing.length, total: parcels.length })}</p>
      ${missing.length && missing.length <= 12 ? html`<p class="meta">${t('route.missing', { barcodes: missing.map((p) => p.barcode).join(', ') })}</p>` : nothing}
      ${canScanBarcodes() ? html`<label class="button secondary file">${t('route.scanLoad')}
        <input type="file" accept="image/*" capture="environment" class="visually-hidden"
          @change=${(event) => scanInto(event, loadParcel)}></label>` : nothing}
      <label for="load-barcode">${t('pod.manualBarcode')}</label>
      <input id="load-barcode" autocomplete="off" @keydown=${onKey}>
      ${state.loadMessage ? html`<p class="notice ${state.loadMessage.error ? 'error' : ''}" role="status">${state.loadMessage.text}</p>` : nothing}
    </section>`;
}

function directionsView(stop) {
  const directions = state.directions?.stopId === stop.id ? state.directions : null;
  if (!directions) return nothing;
  if (directions.loading) return html`<p class="meta">…</p>`;
  if (directions.error) return html`<p class="notice warn">${directions.error}</p>`;
  const result = directions.result;
  if (result.mode === 'osrm' && result.steps?.length) {
    return html`<ol class="steps" data-testid="directions">${result.steps.map((step) => html`
      <li>${step.instruction} <span class="meta">${formatDistance(step.distance_m)}</span></li>`)}</ol>`;
  }
  return html`<p data-testid="directions">${t('stop.directionsBearing', {
    distance: formatDistance(result.distance_m), bearing: Math.round(result.bearing_deg ?? 0) })}</p>`;
}

function stopView(route, stop) {
  const order = stop.order;
  const recipient = order.recipient;
  const open = !isDone(stop);
  return html`
    <a class="button link back" href=${BASE} @click=${link(BASE)}>← ${t('common.back')}</a>
    <section class="card" data-testid="stop-detail">
      <h1 tabindex="-1">${t('stop.sequence', { sequence: stop.sequence })} · <span class="badge ${stop.status}">${t(`stop.status.${stop.status}`)}</span></h1>
      <p class="address big">${order.address}</p>
      <p class="meta">${windowText(order)}${etaText(stop)}
        ${order.external_ref ? html` · ${order.external_ref}` : nothing}</p>
      ${order.cod_amount_cents > 0 ? html`<p class="flag">${t('stop.cod', { amount: formatMoney(order.cod_amount_cents, state.session.org?.currency) })}</p>` : nothing}
      ${order.requires_id_check ? html`<p class="flag">${t('stop.idCheck')}</p>` : nothing}
      ${order.min_age ? html`<p class="flag">${t('stop.minAge', { age: order.min_age })}</p>` : nothing}
    </section>
    ${recipient ? html`<section class="card"><h2>${t('stop.recipient')}</h2><p>${recipient.name}</p>
      ${recipient.phone ? html`<div class="row">
        <a class="button secondary" href="tel:${recipient.phone}">${t('stop.call')}</a>
        <a class="button secondary" href="sms:${recipient.phone}">${t('stop.sms')}</a></div>` : nothing}</section>` : nothing}
    ${order.delivery_instructions ? html`<section class="card"><h2>${t('stop.instructions')}</h2><p class="pre">${order.delivery_instructions}</p></section>` : nothing}
    ${order.notes ? html`<section class="card"><h2>${t('stop.notes')}</h2><p class="pre">${order.notes}</p></section>` : nothing}
    <section class="card"><h2>${t('pod.barcodes')}</h2>
      <ul class="parcels">${(order.parcels || []).map((parcel) => html`<li>${parcel.barcode}
        ${parcel.delivered_at ? html`<span class="badge completed">✓</span>` : parcel.loaded_at ? html`<span class="badge arrived">⬆</span>` : nothing}</li>`)}</ul></section>
    <section class="card"><h2>${t('stop.navigate')}</h2>${navLinks(stop)}
      <button class="secondary" @click=${() => showDirections(stop)}>${t('stop.directions')}</button>
      ${directionsView(stop)}</section>
    ${open && route.status === 'in_progress' ? html`<div class="controls sticky">
      ${stop.status === 'pending' ? html`<button class="secondary" @click=${() => act('stop.arrive', { stop })}>${t('stop.arrive')}</button>` : nothing}
      <a class="button primary" href="${BASE}/stops/${stop.id}/deliver" @click=${link(`${BASE}/stops/${stop.id}/deliver`)}>${t('stop.complete')}</a>
      <a class="button danger" href="${BASE}/stops/${stop.id}/fail" @click=${link(`${BASE}/stops/${stop.id}/fail`)}>${t('stop.fail')}</a>
    </div>` : nothing}`;
}

function photosField(form) {
  return html`
    <fieldset><legend>${t('pod.photos')}</legend>
      <div class="thumbs">${form.photos.map((photo, index) => html`<figure>
        <img src=${photo.url} alt="${t('pod.photos')} ${index + 1}" width="96" height="96">
        <button type="button" class="link" aria-label=${t('pod.removePhoto', { n: index + 1 })} @click=${() => removePhoto(index)}>✕</button></figure>`)}</div>
      ${form.busy ? html`<p class="meta">${t('pod.compressing')}</p>` : nothing}
      ${form.photos.length < MAX_PHOTOS ? html`<label class="button secondary file">${t('pod.addPhoto')}
        <input type="file" accept="image/*" capture="environment" class="visually-hidden" data-testid="photo-input" @change=${addPhotos}></label>` : nothing}
    </fieldset>`;
}

function deliverView(route, stop) {
  const form = podFor(stop, 'deliver');
  const order = stop.order;
  const currency = state.session.org?.currency || 'CAD';
  const addBarcode = (code) => {
    if (code.trim()) form.barcodes.add(code.trim());
    update();
  };
  return html`
    <a class="button link back" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>← ${t('common.back')}</a>
    <form class="card pod" @submit=${(event) => { event.preventDefault(); submitDelivery(stop); }}>
      <h1 tabindex="-1">${t('pod.title')} · ${t('stop.sequence', { sequence: stop.sequence })}</h1>
      <p class="address">${order.address}</p>
      ${photosField(form)}
      <fieldset><legend>${t('pod.signature')}</legend>
        <canvas id="signature" class="signature" aria-label=${t('pod.signHere')} role="img" data-testid="signature"></canvas>
        <button type="button" class="secondary" @click=${() => form.pad?.clear()}>${t('pod.clearSignature')}</button>
      </fieldset>
      <label for="recipient-name">${t('pod.recipientName')}</label>
      <input id="recipient-name" autocomplete="off" .value=${form.name} @input=${(e) => { form.name = e.target.value; }}>
      <fieldset><legend>${t('pod.barcodes')}</legend>
        <ul class="parcels">${(order.parcels || []).map((parcel) => html`<li>${parcel.barcode}
          ${form.barcodes.has(parcel.barcode) ? html`<span class="badge completed">✓</span>` : nothing}</li>`)}</ul>
        ${canScanBarcodes() ? html`<label class="button secondary file">${t('pod.scan')}
          <input type="file" accept="image/*" capture="environment" class="visually-hidden" @change=${(e) => scanInto(e, addBarcode)}></label>` : nothing}
        <label for="pod-barcode">${t('pod.manualBarcode')}</label>
        <div class="row"><input id="pod-barcode" autocomplete="off">
          <button type="button" class="secondary" @click=${() => { const input = document.getElementById('pod-barcode'); addBarcode(input.value); input.value = ''; }}>${t('pod.addBarcode')}</button></div>
      </fieldset>
      ${order.cod_amount_cents > 0 ? html`
        <label for="cod">${t('pod.amountCollected', { currency })}</label>
        <input id="cod" inputmode="decimal" .value=${form.amount} @input=${(e) => { form.amount = e.target.value; }}>
        <p class="meta">${t('pod.expected', { amount: formatMoney(order.cod_amount_cents, currency) })}</p>` : nothing}
      ${order.requires_id_check ? html`<label class="check"><input type="checkbox" .checked=${form.idChecked}
        @change=${(e) => { form.idChecked = e.target.checked; }}> ${t('pod.idChecked')}</label>` : nothing}
      ${order.min_age ? html`<label class="check"><input type="checkbox" .checked=${form.ageVerified}
        @change=${(e) => { form.ageVerified = e.target.checked; }}> ${t('pod.ageVerified', { age: order.min_age })}</label>` : nothing}
      <label for="pod-note">${t('pod.note')}</label>
      <textarea id="pod-note" rows="2" .value=${form.note} @input=${(e) => { form.note = e.target.value; }}></textarea>
      ${form.error ? html`<p class="notice error" role="alert">${form.error}</p>` : nothing}
      <button class="primary" type="submit" ?disabled=${form.busy > 0}>${t('pod.submit')}</button>
    </form>`;
}

function failView(stop) {
  const form = podFor(stop, 'fail');
  return html`
    <a class="button link back" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>← ${t('common.back')}</a>
    <form class="card pod" @submit=${(event) => { event.preventDefault(); submitFailure(stop); }}>
      <h1 tabindex="-1">${t('fail.title')} · ${t('stop.sequence', { sequence: stop.sequence })}</h1>
      <p class="address">${stop.order.address}</p>
      <fieldset><legend>${t('fail.reason')}</legend>
        ${FAILURE_REASONS.map((reason) => html`<label class="check"><input type="radio" name="reason" value=${reason}
          .checked=${form.reason === reason} @change=${() => { form.reason = reason; }}> ${t(`fail.reason.${reason}`)}</label>`)}
      </fieldset>
      ${photosField(form)}
      <label for="fail-note">${t('pod.note')}</label>
      <textarea id="fail-note" rows="2" .value=${form.note} @input=${(e) => { form.note = e.target.value; }}></textarea>
      ${form.error ? html`<p class="notice error" role="alert">${form.error}</p>` : nothing}
      <button class="danger" type="submit" ?disabled=${form.busy > 0}>${t('fail.submit')}</button>
    </form>`;
}

// --- start ------------------------------------------------------------------------------------

async function boot() {
  setLanguage(chooseLanguage());
  await loadClockOffset();
  const cachedSession = await getMeta('session');
  state.snapshot = (await getSnapshot()) || null;
  await refreshQueue();
  if (cachedSession) {
    // Offline start: trust the cached session so the driver keeps working; the server decides later.
    state.session = cachedSession;
    setLanguage(chooseLanguage(cachedSession.user?.language));
  }
  state.booting = false;
  update();
  try {
    await adoptSession(await api.me(), { restartSocket: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) await endSession();
    // Unreachable: keep working from the cached session and route; `online` picks up from here, and
    // so does this retry when the phone was "online" all along but the server was not.
    else if (error instanceof NetworkError) setTimeout(retryUntilReachable, 15000);
  }
}

async function retryUntilReachable() {
  if (socket || !state.session) return;
  try {
    await adoptSession(await api.me(), { restartSocket: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) await endSession();
    else setTimeout(retryUntilReachable, 30000);
  }
}

if ('serviceWorker' in navigator && !import.meta.env.DEV) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}

boot();
