// The route screen: status bar (online, outbox, duty), login, today's stops with the next one first,
// the parcel loading check.
import { html, nothing } from 'lit-html';
import { dismissRejected } from '../../shared/outbox.js';
import { parkedText } from '../parked.js';
import { pushSupported } from '../../shared/push.js';
import { t, tn } from '../../shared/i18n.js';
import { formatDate, formatTime } from '../../shared/time.js';
import { endRoute, loadParcel, scanInto, startRoute, toggleBreak } from '../actions.js';
import { canScanBarcodes } from '../media.js';
import { cameraAvailable, loadScanPanel } from '../scan-view.js';
import { enableRoutePush, logout, submitLogin } from '../session.js';
import {
  isDone, lateness, navigationLinks, nextStop, parcelsOf, shownStatus, sortedStops,
} from '../state.js';
import { windowText } from '../format.js';
import { serverNow } from '../../shared/socket.js';
import { bannerView, historyButton } from './notices.js';
import { settingsView } from './settings.js';
import { BASE, link, refreshQueue, runtime, state, timeZone, update } from '../store.js';
import { loadRoute } from '../sync.js';

export function statusBar(route, onDuty) {
  // Count what the driver did (an action and its photos are one thing to them), not positions.
  const waiting = state.entries.filter((entry) => entry.kind === 'action').length;
  const connected = state.online && runtime.socket?.connected;
  return html`
    <div class="statusbar" role="status">
      <span class="pill ${state.online ? 'ok' : 'warn'}">${state.online ? t('common.online') : t('common.offline')}</span>
      <span class="pill ${waiting ? 'warn' : 'ok'}" data-testid="sync-status">
        ${waiting ? t('common.toSync', { count: waiting }) : state.syncing ? t('common.syncing') : t('common.synced')}</span>
      ${state.session ? html`<span class="pill ${onDuty ? 'duty' : 'off'}" data-testid="duty">
        ${onDuty ? (route.on_break ? t('route.onBreak') : t('route.onDuty')) : t('route.offDuty')}</span>` : nothing}
      ${connected === false && state.online && state.session ? html`<span class="dot" aria-hidden="true"></span>` : nothing}
      ${state.session ? historyButton() : nothing}
    </div>
    ${state.session && pushSupported() && Notification.permission === 'default' && state.push !== 'on'
      ? html`<p class="hint"><button class="link" data-testid="enable-push" @click=${enableRoutePush}>
          ${t('push.routeChanges')}</button></p>` : nothing}
    ${onDuty ? html`<p class="hint">${t('route.hiddenHint')}</p>` : nothing}
    ${state.pausedWhileHidden && onDuty ? html`<p class="notice warn">${t('route.pausedWhileHidden')}
      <button class="link" @click=${() => { state.pausedWhileHidden = false; update(); }}>${t('common.dismiss')}</button></p>` : nothing}
    ${bannerView()}
    ${parkedView()}
    ${state.error ? html`<p class="notice error">${t('common.error', { message: state.error })}</p>` : nothing}`;
}

/** Writes the server did not apply (parked by the outbox): kept on screen, on every view, until dismissed. */
function parkedView() {
  if (!state.rejectedWrites.length) return nothing;
  return html`
    <section class="parked" role="alert" aria-labelledby="parked-title" data-testid="parked">
      <h2 id="parked-title">${t('parked.heading')}</h2>
      ${state.rejectedWrites.map((write) => {
        const { title, detail } = parkedText(write);
        return html`<div class="notice error" data-testid="parked-write">
          <strong>${title}</strong><p>${detail}</p>
          <button class="secondary" @click=${async () => { await dismissRejected(write.seq); refreshQueue(); }}>
            ${t('parked.dismiss')}</button></div>`;
      })}
    </section>`;
}

export function loginView() {
  return html`
    <form class="card login" @submit=${submitLogin}>
      <h1 tabindex="-1">${t('login.title')}</h1>
      ${state.loginWithEmail ? html`
        <label for="login">${t('login.email')}</label>
        <input id="login" name="login" type="email" autocomplete="username" inputmode="email" autocapitalize="off" required>`
      : html`
        <label for="login">${t('login.phone')}</label>
        <input id="login" name="login" type="tel" autocomplete="username" inputmode="tel" required>`}
      <button type="button" class="link" data-testid="login-kind"
        @click=${() => { state.loginWithEmail = !state.loginWithEmail; update(); document.getElementById('login')?.focus(); }}>
        ${state.loginWithEmail ? t('login.usePhone') : t('login.useEmail')}</button>
      <label for="password">${t('login.password')}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      ${state.loginError ? html`<p class="notice error" role="alert">${state.loginError}</p>` : nothing}
      <button class="primary" type="submit">${t('login.submit')}</button>
    </form>`;
}

export { windowText };

/** The "late" flag of an open stop: a short badge in lists, the reason in words on the stop's own screen. */
export function lateFlag(stop, { long = false } = {}) {
  const late = lateness(stop, Date.parse(serverNow()));
  if (!late) return nothing;
  const end = formatTime(new Date(late.end).toISOString(), timeZone());
  const reason = late.kind === 'window' ? t('stop.lateWindowPassed', { time: end })
    : t('stop.lateEta', { eta: formatTime(new Date(late.eta).toISOString(), timeZone()), time: end });
  return long ? html`<p class="flag late" data-testid="late">${reason}</p>`
    : html`<span class="badge late" data-testid="late" title=${reason}>${t('stop.late')}</span>`;
}

/** The live ETA when the server has one, else the planned arrival. */
export function etaText(stop) {
  const eta = stop.eta_at || stop.planned_arrival_at;
  return eta && !isDone(stop) ? html` · ${t('stop.eta', { time: formatTime(eta, timeZone()) })}` : nothing;
}

export function stopSummary(stop) {
  const order = stop.order;
  return html`
    <span class="seq" aria-hidden="true">${stop.sequence}</span>
    <span class="summary">
      <strong class="address">${stop.kind === 'pickup' ? html`<span class="badge pickup">${t('stop.kind.pickup')}</span> ` : nothing}${order.address}</strong>
      <span class="meta">${windowText(order)}${etaText(stop)}
        · ${tn('stop.parcels', order.parcel_count ?? order.parcels?.length ?? 0)}</span>
      ${lateFlag(stop)}
      ${order.notes ? html`<span class="meta">${order.notes}</span>` : nothing}
    </span>
    <span class="badge ${shownStatus(stop)}">${stop.kind === 'pickup' && shownStatus(stop) === 'completed' ? t('stop.collected') : t(`stop.status.${shownStatus(stop)}`)}</span>`;
}

export function routeView(route) {
  if (!route) {
    return html`<section class="card"><h1 tabindex="-1">${t('route.title')}</h1><p>${t('route.none')}</p>
      <button class="secondary" @click=${loadRoute}>${t('route.refresh')}</button>
      <button class="link" @click=${logout}>${t('login.logout')}</button></section>${settingsView()}`;
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
        <button class="secondary" @click=${toggleBreak}>${route.on_break ? t('route.breakEnd') : t('route.breakStart')}</button>` : nothing}
    </div>
    <h2>${t('route.stops')}</h2>
    <ol class="stops" data-testid="stop-list">
      ${stops.map((stop) => html`<li data-stop-id=${stop.id} class=${stop.id === next?.id ? 'current' : ''}>
        <a class="stop-row" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}><span
          class="visually-hidden">${t('stop.open', { sequence: stop.sequence })}: </span>${stopSummary(stop)}</a></li>`)}
    </ol>
    ${route.status === 'in_progress' ? html`
      <section class="card end-of-day" aria-labelledby="end-title">
        <h2 id="end-title">${t('route.endOfDay')}</h2>
        <button class="danger" data-testid="end-route" @click=${endRoute}>${t('route.end')}</button>
      </section>` : nothing}
    ${settingsView()}
    <button class="link" @click=${logout}>${t('login.logout')}</button>`;
}

export function navLinks(stop) {
  const links = navigationLinks(stop);
  return html`
    <div class="nav-links" data-testid="nav-links">
      <a class="button secondary" href=${links.geo} data-nav="geo">${t('stop.navApp')}</a>
      <a class="button secondary" href=${links.google} target="_blank" rel="noopener" data-nav="google">Google Maps</a>
      <a class="button secondary" href=${links.apple} target="_blank" rel="noopener" data-nav="apple">Apple Maps</a>
      <a class="button secondary" href=${links.waze} target="_blank" rel="noopener" data-nav="waze">Waze</a>
    </div>`;
}

export function nextCard(stop) {
  const order = stop.order;
  return html`
    <section class="card next" data-testid="next-stop" aria-labelledby="next-title">
      <h2 id="next-title">${t('route.next')} · ${t('stop.sequence', { sequence: stop.sequence })}</h2>
      ${stop.kind === 'pickup' ? html`<p class="flag pickup">${order.recipient?.name ? t('stop.collectFrom', { name: order.recipient.name }) : t('stop.collectHere')}</p>` : nothing}
      <p class="address big">${order.address}</p>
      <p class="meta">${windowText(order)}${etaText(stop)}</p>
      ${lateFlag(stop, { long: true })}
      <a class="button primary guide-open" data-testid="guide-open" href="${BASE}/stops/${stop.id}/guide"
        @click=${link(`${BASE}/stops/${stop.id}/guide`)}>${t('stop.directions')}</a>
      ${navLinks(stop)}
      <a class="button secondary" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>
        ${t('stop.open', { sequence: stop.sequence })}</a>
    </section>`;
}

export function loadingView(route) {
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
      <p role="status" data-testid="loaded-count">${t('route.loaded', { loaded: parcels.length - missing.length, total: parcels.length })}</p>
      ${missing.length && missing.length <= 12 ? html`<p class="meta">${t('route.missing', { barcodes: missing.map((p) => p.barcode).join(', ') })}</p>` : nothing}
      ${loadScanPanel()}
      ${!cameraAvailable() && canScanBarcodes() ? html`<label class="button secondary file">${t('route.scanLoad')}
        <input type="file" accept="image/*" capture="environment" class="visually-hidden"
          @change=${(event) => scanInto(event, loadParcel)}></label>` : nothing}
      <label for="load-barcode">${t('pod.manualBarcode')}</label>
      <input id="load-barcode" autocomplete="off" @keydown=${onKey}>
      ${state.loadMessage ? html`<p class="notice ${state.loadMessage.error ? 'error' : ''}" role="status">${state.loadMessage.text}</p>` : nothing}
    </section>`;
}
