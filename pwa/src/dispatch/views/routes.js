// The day's routes as a compact list beside the map: one line per route (driver, stops, km, hours, lateness)
// that opens onto its stops to drag or move; a folded route still takes a stop dropped on its line. Below it,
// the review of a pending change.
import { html, nothing } from 'lit-html';
import { language, t, tn } from '../../shared/i18n.js';
import { cssProperties } from '../../shared/style.js';
import { formatMoney } from '../../shared/time.js';
import { openOrder } from '../actions.js';
import {
  confirmPending, onDragOver, onDragStart, onDrop, onStopKey, suggestRedistribution, suggestReoptimization,
  violationsOf,
} from '../changes.js';
import {
  autoScroll, driversWithoutRoute, moveToBestPlace, moveToNewRoute, onDragEnd, onDragEnter, onDragLeave, onDropOnRoute,
} from '../placing.js';
import { routeActionsButton } from './route_actions.js';
import { colourOf } from '../colours.js';
import { plannedLateView } from '../lateness.js';
import { askToPublish } from '../publishing.js';
import {
  FINISHED, atRiskStops, duration, km, oneDecimal, routeById, routeName, state, stopById, time, update, windowOf,
} from '../store.js';

// A day up to this many stops opens every route; a bigger one starts folded (the dispatcher opens what they need).
const OPEN_UP_TO_STOPS = 60;

function summaryView(route) {
  const s = route.summary;
  if (!s) return nothing;
  const parts = [tn('d.route.stops', s.stops), t('d.route.distance', { km: km(s.distance_m) }),
    t('d.route.driving', { duration: duration(s.driving_s) })];
  if (s.load_share != null) parts.push(t('d.route.load', { percent: Math.round(s.load_share * 100) }));
  if (s.start_at) parts.push(t('d.route.hours', { start: time(s.start_at), end: time(s.end_at) }));
  if (s.co2_g != null) parts.push(t('d.route.co2', { kg: oneDecimal(s.co2_g / 1000) }));
  if (s.planned_cost_cents != null) parts.push(t('d.route.cost', { money: formatMoney(s.planned_cost_cents, state.org?.currency) }));
  let pace = '';
  if (s.delay_s != null) {
    const minutes = Math.round(Math.abs(s.delay_s) / 60);
    pace = minutes === 0 ? t('d.route.onTime') : t(s.delay_s > 0 ? 'd.route.behind' : 'd.route.ahead', { minutes });
  }
  return html`<p class="summary" data-testid="route-summary">${parts.join(' · ')}</p>
    ${route.status !== 'draft' ? html`<p class="pace">${t('d.route.progress', { done: s.done, remaining: s.remaining })}
      ${pace ? html` · <span class=${s.delay_s > 300 ? 'late' : ''}>${pace}</span>` : nothing}</p>` : nothing}`;
}

// A day has thousands of stops and up to a thousand drivers: each stop's "Move to…" gets its choices only when
// it is about to open (focus or press), not thousands of options per route.
function fillMoveMenu(stop) {
  if (state.moveMenuFor === stop.id) return;
  state.moveMenuFor = stop.id;
  update();
}

function moveToView(stop, others) {
  const filled = state.moveMenuFor === stop.id;
  const free = filled ? driversWithoutRoute() : [];
  return html`<select aria-label=${t('d.stop.moveTo', { sequence: stop.sequence, address: stop.order.address })}
      data-testid="move-to" @focus=${() => fillMoveMenu(stop)} @mousedown=${() => fillMoveMenu(stop)}
      @change=${(e) => {
    const [kind, id] = e.target.value.split(':');
    e.target.value = '';
    if (kind === 'route') moveToBestPlace(stop.id, Number(id));
    else if (kind === 'driver') moveToNewRoute(stop.id, Number(id));
  }}>
    <option value="">${t('d.stop.moveChoose')}</option>
    ${filled && others.length ? html`<optgroup label=${t('d.move.routes')}>${others.map((o) => html`<option value="route:${o.id}">${routeName(o)} · ${tn('d.route.stops', o.stops.length)}</option>`)}</optgroup>` : nothing}
    ${free.length ? html`<optgroup label=${t('d.move.freeDrivers')}>${free.map((d) => html`<option value="driver:${d.id}">${d.user?.name || `#${d.id}`}</option>`)}</optgroup>` : nothing}
  </select>`;
}

function stopView(route, stop, risky, others) {
  const done = FINISHED.has(stop.status) || stop.status === 'arrived';
  const label = t('d.stop.label', { sequence: stop.sequence, address: stop.order.address });
  return html`<li class="stop ${stop.status} ${risky ? 'at-risk' : ''}" data-stop-id=${stop.id} data-order-id=${stop.order.id}
      draggable=${done ? 'false' : 'true'} tabindex="0" aria-label=${label}
      title=${done ? '' : t('d.stop.moveHint')} aria-describedby=${done ? nothing : 'move-hint'}
      @dragstart=${(e) => onDragStart(e, stop)} @dragend=${onDragEnd} @dragover=${onDragOver}
      @drop=${(e) => onDrop(e, route.id, stop.id)}
      @keydown=${(e) => !done && onStopKey(e, route, stop)}>
    <span class="seq">${stop.sequence}</span>
    <span class="addr">${stop.kind === 'pickup' ? html`<strong class="kind" data-testid="stop-pickup">${t('d.stop.pickup')}</strong> ` : nothing}<a href="#" @click=${(e) => { e.preventDefault(); openOrder(stop.order.id); }}>${stop.order.address}</a>
      <small>${windowOf(stop.order)} · ${t('d.stop.eta', { time: time(stop.eta_at) })}
        ${stop.planned_arrival_at ? html` · ${t('d.stop.planned', { time: time(stop.planned_arrival_at) })}` : nothing}
        · ${t(`stop.status.${stop.status}`)}</small>
      ${stop.planned_late && stop.status === 'pending' ? plannedLateView(stop, time)
    : risky ? html`<strong class="risk" role="img" aria-label=${t('d.stop.atRisk')}>⚠ ${t('d.stop.atRisk')}</strong>` : nothing}</span>
    ${done ? nothing : moveToView(stop, others)}
  </li>`;
}

/** A route folded to one line shows what a dispatcher scans for: stops, km, hours, lateness. */
function headlineOf(route, riskCount) {
  const s = route.summary;
  const parts = [tn('d.route.stops', route.stops.length)];
  if (s) {
    parts.push(t('d.route.distance', { km: km(s.distance_m) }));
    if (s.start_at) parts.push(t('d.route.hours', { start: time(s.start_at), end: time(s.end_at) }));
    if (route.status !== 'draft') parts.push(t('d.route.doneOf', { done: s.done, stops: s.stops }));
  }
  return html`${parts.join(' · ')}${riskCount ? html` · <span class="late">${t('d.route.atRisk', { count: riskCount })}</span>` : nothing}`;
}

/** Open by the dispatcher's choice; by default open on a small day and folded on a big one. */
export function isOpen(route) {
  const chosen = state.expanded.get(route.id);
  if (chosen != null) return chosen;
  return state.board.routes.reduce((sum, r) => sum + r.stops.length, 0) <= OPEN_UP_TO_STOPS;
}

function toggle(route) {
  state.expanded.set(route.id, !isOpen(route));
  update();
}

function setAll(open) {
  for (const route of state.board.routes) state.expanded.set(route.id, open);
  update();
}

function routeView(route, index, routes, risky) {
  const others = routes.filter((o) => o.id !== route.id && o.status !== 'completed');
  const stops = [...route.stops].sort((a, b) => a.sequence - b.sequence);
  const riskCount = stops.filter((s) => risky.has(s.id)).length;
  const open = isOpen(route);
  const takesStops = route.status !== 'completed';
  return html`<article class="route ${open ? 'open' : 'folded'}" data-route-id=${route.id} data-version=${route.version}
      data-testid="route-card" style=${cssProperties({ '--route-colour': colourOf(index) })} aria-labelledby="route-${route.id}-title">
    <div class="route-head ${takesStops ? 'drop-target' : ''}" data-testid="route-head"
        @dragover=${takesStops ? onDragOver : nothing} @dragenter=${takesStops ? onDragEnter : nothing}
        @dragleave=${takesStops ? onDragLeave : nothing} @drop=${takesStops ? (e) => onDropOnRoute(e, route.id) : nothing}>
      <h3 id="route-${route.id}-title"><button type="button" class="fold" aria-expanded=${open ? 'true' : 'false'}
          aria-controls="route-${route.id}-body" data-testid="route-toggle" @click=${() => toggle(route)}>
        <span class="swatch" aria-hidden="true"></span><span class="name">${routeName(route)}</span></button>
        <small>${t(`d.status.${route.status}`)} · v${route.version}</small></h3>
      ${open ? nothing : html`<p class="headline" data-testid="route-headline">${headlineOf(route, riskCount)}</p>`}
      ${routeActionsButton(route)}
    </div>
    ${open ? html`<div id="route-${route.id}-body">
      ${summaryView(route)}
      <div class="row">
        ${route.status === 'draft' && route.driver ? html`<button type="button" @click=${() => askToPublish([route.id])}>${t('d.publish')}</button>` : nothing}
        ${takesStops ? html`<button type="button" ?disabled=${state.busy} @click=${() => suggestReoptimization(route)}>${t('d.reoptimize')}</button>
          <button type="button" ?disabled=${state.busy || !others.length} @click=${() => suggestRedistribution(route)}>${t('d.breakdown')}</button>` : nothing}
        <a class="button" href="/print/routes/${route.id}?lang=${language()}" target="_blank" rel="noopener"
          data-testid="print-sheet" aria-label=${t('d.printSheetLabel', { route: routeName(route) })}>${t('d.printSheet')}</a>
      </div>
      <ol class="stops" data-testid="stop-list" @dragover=${onDragOver} @drop=${(e) => onDrop(e, route.id, null)}>
        ${stops.map((stop) => stopView(route, stop, risky.has(stop.id), others))}
      </ol>
      ${takesStops ? html`<div class="drop-end" @dragover=${onDragOver} @drop=${(e) => onDrop(e, route.id, null)}>${t('d.dropEnd')}</div>` : nothing}
    </div>` : nothing}
  </article>`;
}

export function routesView() {
  const routes = state.board.routes;
  const risky = atRiskStops();
  const drafts = routes.filter((r) => r.status === 'draft' && r.driver);
  return html`<section class="card routes" aria-labelledby="routes-title" @dragover=${autoScroll}>
    <div class="routes-head">
      <h2 id="routes-title">${t('d.routes', { count: routes.length })}</h2>
      ${routes.length > 1 ? html`<button type="button" data-testid="open-all" @click=${() => setAll(true)}>${t('d.routes.openAll')}</button>
        <button type="button" data-testid="fold-all" @click=${() => setAll(false)}>${t('d.routes.foldAll')}</button>` : nothing}
    </div>
    <p id="move-hint" class="visually-hidden">${t('d.stop.moveHint')}</p>
    ${drafts.length ? html`<button type="button" data-testid="publish-all" @click=${() => askToPublish(drafts.map((r) => r.id))}>${t('d.publishAll')}</button>` : nothing}
    ${routes.length ? html`<a class="button" data-testid="print-all" target="_blank" rel="noopener"
      href="/print/routes?ids=${routes.map((r) => r.id).join(',')}&lang=${language()}">${tn('d.printAll', routes.length)}</a>` : nothing}
    ${routes.length ? nothing : html`<p>${t('d.noRoutes')}</p>`}
    ${routes.map((route, index) => routeView(route, index, routes, risky))}
  </section>`;
}

export function pendingView() {
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
