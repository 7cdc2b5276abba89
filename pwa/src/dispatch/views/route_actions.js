// Whole-route actions: hand the route to another driver, take it back (unpublish), delete it, duplicate it to
// another day. Each opens the console's own dialog that says what will happen, and is sent with the route's
// version (a stale one comes back as a conflict with the fresh route, never as an overwrite).
import { html, nothing } from 'lit-html';
import { ApiError } from '../../shared/api.js';
import { t, tn } from '../../shared/i18n.js';
import { loadBoard } from '../actions.js';
import { confirmWrite } from '../changes.js';
import { replaceRoute, routeName, showError, state, update } from '../store.js';

const ACTIONS = ['handOver', 'unpublish', 'delete', 'duplicate'];

/** Which actions a route allows now (the server checks the same). */
function allowed(route) {
  const notStarted = route.status === 'draft' || route.status === 'published';
  return {
    handOver: route.status !== 'completed',
    unpublish: route.status === 'published',
    delete: notStarted,
    duplicate: true,
  };
}

export function routeActionsButton(route) {
  return html`<button type="button" class="route-actions" data-testid="route-actions"
      aria-label=${t('d.ra.open', { route: routeName(route) })} aria-haspopup="dialog"
      @click=${(event) => openActions(route, event.currentTarget)}>⋯</button>`;
}

function openActions(route, opener) {
  state.routeAction = { routeId: route.id, version: route.version, kind: null, driverId: '', date: '', error: null,
    opener };
  update();
  document.querySelector('[data-testid=route-action-dialog] button')?.focus();
}

function close() {
  const opener = state.routeAction?.opener;
  state.routeAction = null;
  update();
  if (opener?.isConnected) opener.focus();
}

function freeDrivers(route) {
  const busy = new Set(state.board.routes.filter((r) => r.status !== 'completed').map((r) => r.driver?.id).filter(Boolean));
  return state.drivers.filter((d) => d.id !== route.driver?.id && !busy.has(d.id));
}

async function run(route) {
  const ask = state.routeAction;
  const base = `/api/v1/routes/${route.id}`;
  ask.busy = true;
  ask.error = null;
  update();
  try {
    if (ask.kind === 'handOver') {
      replaceRoute(await confirmWrite('POST', `${base}/driver`, { driver_id: Number(ask.driverId), version: ask.version }));
    } else if (ask.kind === 'unpublish') {
      replaceRoute(await confirmWrite('POST', `${base}/unpublish`, { version: ask.version }));
    } else if (ask.kind === 'delete') {
      await confirmWrite('DELETE', `${base}?version=${ask.version}`, null);
    } else if (ask.kind === 'duplicate') {
      await confirmWrite('POST', `${base}/duplicate`, { date: ask.date, driver_id: Number(ask.driverId) || null });
    }
    state.routeAction = null;
    state.notice = { kind: 'ok', text: t(`d.ra.done.${ask.kind}`, { route: routeName(route), date: ask.date }) };
    await loadBoard();
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      ask.error = error.code === 'version_conflict' ? t('d.conflict', { version: error.body?.route?.version ?? '?' })
        : error.message;
      ask.busy = false;
      if (error.code === 'version_conflict') loadBoard().catch(showError);
      update();
    } else {
      state.routeAction = null;
      showError(error);
    }
  }
}

function detailView(route, kind) {
  const ask = state.routeAction;
  if (kind === 'handOver') {
    const drivers = freeDrivers(route);
    return html`<p>${t('d.ra.handOver.what')}</p>
      ${drivers.length ? html`<label>${t('d.ra.driver')}<select data-testid="route-action-driver" .value=${ask.driverId}
          @change=${(e) => { ask.driverId = e.target.value; update(); }}>
        <option value="">${t('d.ra.chooseDriver')}</option>
        ${drivers.map((d) => html`<option value=${d.id}>${d.user?.name || `#${d.id}`}</option>`)}</select></label>`
    : html`<p class="error">${t('d.ra.noFreeDriver')}</p>`}`;
  }
  if (kind === 'duplicate') {
    return html`<p>${tn('d.ra.duplicate.what', route.stops.length)}</p>
      <label>${t('d.ra.date')}<input type="date" data-testid="route-action-date" .value=${ask.date}
        @input=${(e) => { ask.date = e.target.value; update(); }}></label>
      <label>${t('d.ra.driverOptional')}<select .value=${ask.driverId} @change=${(e) => { ask.driverId = e.target.value; }}>
        <option value="">${t('d.route.noDriver')}</option>
        ${state.drivers.map((d) => html`<option value=${d.id}>${d.user?.name || `#${d.id}`}</option>`)}</select></label>`;
  }
  return html`<p>${tn(`d.ra.${kind}.what`, route.stops.length, { driver: route.driver?.name || t('d.route.noDriver') })}</p>`;
}

function ready(kind) {
  const ask = state.routeAction;
  if (kind === 'handOver') return Boolean(ask.driverId);
  if (kind === 'duplicate') return Boolean(ask.date) && ask.date !== state.date;
  return true;
}

/** The dialog, drawn in the side column above the routes while open. */
export function routeActionView() {
  const ask = state.routeAction;
  if (!ask) return nothing;
  const route = state.board.routes.find((r) => r.id === ask.routeId);
  if (!route) return nothing;
  const can = allowed(route);
  return html`<section class="card pending route-action" role="dialog" aria-modal="false" aria-labelledby="ra-title"
      data-testid="route-action-dialog" @keydown=${(e) => e.key === 'Escape' && close()}>
    <h2 id="ra-title">${t('d.ra.title', { route: routeName(route) })}</h2>
    ${ask.kind ? html`<h3>${t(`d.ra.${ask.kind}`)}</h3>${detailView(route, ask.kind)}
      ${ask.error ? html`<p class="error" role="alert" data-testid="route-action-error">${ask.error}</p>` : nothing}
      <div class="row">
        <button type="button" class=${ask.kind === 'delete' ? 'danger' : 'primary'} data-testid="route-action-confirm"
          ?disabled=${ask.busy || !ready(ask.kind)} @click=${() => run(route)}>${t(`d.ra.confirm.${ask.kind}`)}</button>
        <button type="button" @click=${() => { ask.kind = null; ask.error = null; update(); }}>${t('d.ra.back')}</button>
      </div>`
    : html`<div class="row">${ACTIONS.map((kind) => html`<button type="button" data-testid="route-action-${kind}"
        ?disabled=${!can[kind]} title=${can[kind] ? '' : t(`d.ra.why.${kind}`)}
        @click=${() => { ask.kind = kind; ask.error = null; update(); }}>${t(`d.ra.${kind}`)}</button>`)}
        <button type="button" data-testid="route-action-close" @click=${close}>${t('d.ra.close')}</button></div>`}
  </section>`;
}
