// The day's routes as cards (summary, pace, stops to drag or move), and the review of a pending change.
import { html, nothing } from 'lit-html';
import { language, t, tn } from '../../shared/i18n.js';
import { cssProperties } from '../../shared/style.js';
import { openOrder } from '../actions.js';
import {
  confirmPending, onDragOver, onDragStart, onDrop, onStopKey, previewMove, suggestRedistribution,
  suggestReoptimization, violationsOf,
} from '../changes.js';
import { colourOf } from '../colours.js';
import { plannedLateView } from '../lateness.js';
import { askToPublish } from '../publishing.js';
import {
  FINISHED, atRiskStops, duration, km, routeById, routeName, state, stopById, time, update, windowOf,
} from '../store.js';

function summaryView(route) {
  const s = route.summary;
  if (!s) return nothing;
  const parts = [tn('d.route.stops', s.stops), t('d.route.distance', { km: km(s.distance_m) }),
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
      ${stop.planned_late && stop.status === 'pending' ? plannedLateView(stop, time)
    : risky ? html`<strong class="risk" role="img" aria-label=${t('d.stop.atRisk')}>⚠ ${t('d.stop.atRisk')}</strong>` : nothing}</span>
    ${!done && others.length ? html`<select aria-label=${t('d.stop.moveTo', { sequence: stop.sequence, address: stop.order.address })}
      @change=${(e) => { const to = Number(e.target.value); e.target.value = ''; if (to) previewMove(stop.id, to, null); }}>
      <option value="">${t('d.stop.moveChoose')}</option>
      ${others.map((o) => html`<option value=${o.id}>${routeName(o)}</option>`)}</select>` : nothing}
  </li>`;
}

export function routesView() {
  const routes = state.board.routes;
  const risky = atRiskStops();
  const drafts = routes.filter((r) => r.status === 'draft' && r.driver);
  return html`<section class="card" aria-labelledby="routes-title">
    <h2 id="routes-title">${t('d.routes', { count: routes.length })}</h2>
    <p id="move-hint" class="visually-hidden">${t('d.stop.moveHint')}</p>
    ${drafts.length ? html`<button type="button" data-testid="publish-all" @click=${() => askToPublish(drafts.map((r) => r.id))}>${t('d.publishAll')}</button>` : nothing}
    ${routes.length ? nothing : html`<p>${t('d.noRoutes')}</p>`}
    ${routes.map((route, index) => {
    const others = routes.filter((o) => o.id !== route.id && o.status !== 'completed');
    const stops = [...route.stops].sort((a, b) => a.sequence - b.sequence);
    const riskCount = stops.filter((s) => risky.has(s.id)).length;
    return html`<article class="route" data-route-id=${route.id} data-version=${route.version} data-testid="route-card"
        style=${cssProperties({ '--route-colour': colourOf(index) })} aria-labelledby="route-${route.id}-title">
      <h3 id="route-${route.id}-title"><span class="swatch" aria-hidden="true"></span>${routeName(route)}
        <small>${t(`d.status.${route.status}`)} · v${route.version}</small>
        ${riskCount ? html`<small class="late">${t('d.route.atRisk', { count: riskCount })}</small>` : nothing}</h3>
      ${summaryView(route)}
      <div class="row">
        ${route.status === 'draft' && route.driver ? html`<button type="button" @click=${() => askToPublish([route.id])}>${t('d.publish')}</button>` : nothing}
        ${route.status !== 'completed' ? html`<button type="button" ?disabled=${state.busy} @click=${() => suggestReoptimization(route)}>${t('d.reoptimize')}</button>
          <button type="button" ?disabled=${state.busy || !others.length} @click=${() => suggestRedistribution(route)}>${t('d.breakdown')}</button>` : nothing}
        <a class="button" href="/print/routes/${route.id}?lang=${language()}" target="_blank" rel="noopener"
          data-testid="print-sheet" aria-label=${t('d.printSheetLabel', { route: routeName(route) })}>${t('d.printSheet')}</a>
      </div>
      <ol class="stops" data-testid="stop-list" @dragover=${onDragOver} @drop=${(e) => onDrop(e, route.id, null)}>
        ${stops.map((stop) => stopView(route, stop, risky.has(stop.id), others))}
      </ol>
      ${route.status !== 'completed' ? html`<div class="drop-end" @dragover=${onDragOver} @drop=${(e) => onDrop(e, route.id, null)}>${t('d.dropEnd')}</div>` : nothing}
    </article>`;
  })}
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
