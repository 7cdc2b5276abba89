// The Plan tab: choose drivers and vans, optimize, see what is unplanned (the CSV import: orders/import.js).
import { html, nothing } from 'lit-html';
import { language, t, tn } from '../../shared/i18n.js';
import { assignVehicle, openOrder, optimize, stopOptimization } from '../actions.js';
import { suggestInsertion } from '../changes.js';
import { driverName, state, update, windowOf } from '../store.js';
import { planLatenessView } from '../lateness.js';

// The solver's objective has no one unit (cents for vans with costs, seconds driven for drivers without a van,
// metres or a CO2 price under the other objectives), so it is shown as a score to compare plans by.
const scoreText = (score) => new Intl.NumberFormat(language() === 'fr' ? 'fr-CA' : 'en-CA').format(score);

export function optimizerView() {
  const job = state.job;
  const running = job && ['queued', 'running'].includes(job.status);
  const vehicleName = (id) => state.vehicles.find((v) => v.id === id)?.name || t('d.noVehicle');
  let status = '';
  if (job) {
    status = job.status === 'succeeded' ? tn('d.jobStatus.succeeded', job.result?.route_ids?.length ?? 0)
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
      ${job.detail?.best_cost != null ? html`<p data-testid="opt-cost">${t(job.status === 'succeeded' ? 'd.finalCost' : 'd.bestCost', { cost: scoreText(job.detail.best_cost) })}</p>` : nothing}
      ${job.detail?.elapsed_s != null ? html`<p>${t('d.elapsed', { seconds: job.detail.elapsed_s })}</p>` : nothing}
    </div>` : nothing}
    ${planLatenessView(state.planResult, driverName)}
    ${state.unassigned.length ? html`<h3>${t('d.unassigned', { count: state.unassigned.length })}</h3>
      <ul data-testid="unassigned">${state.unassigned.map((u) => html`<li>${u.external_ref}: ${t(`d.reason.${u.reason}`)}</li>`)}</ul>` : nothing}
  </section>`;
}

// A day imported but not planned can hold thousands of orders: the table shows them a page at a time.
const UNPLANNED_PAGE = 100;

export function unplannedView() {
  const orders = state.board.unplanned;
  const shown = orders.slice(0, state.unplannedShown || UNPLANNED_PAGE);
  return html`<section class="card" aria-labelledby="unplanned-title">
    <h2 id="unplanned-title">${t('d.unplanned', { count: orders.length })}</h2>
    ${orders.length ? html`<div class="scroll"><table data-testid="unplanned-table">
      <thead><tr><th>${t('d.col.ref')}</th><th>${t('d.col.address')}</th><th>${t('d.col.window')}</th><th>${t('d.col.load')}</th><th>${t('d.col.actions')}</th></tr></thead>
      <tbody>${shown.map((o) => html`<tr data-order-id=${o.id}>
        <td>${o.external_ref}</td><td>${o.address}</td><td>${windowOf(o)}</td><td>${o.weight_kg} kg / ${o.parcel_count}</td>
        <td><button type="button" @click=${() => openOrder(o.id)}>${t('d.details')}</button>
          ${state.board.routes.length ? html`<button type="button" @click=${() => suggestInsertion(o)}>${t('d.insert')}</button>` : nothing}</td>
      </tr>`)}</tbody></table></div>
      ${shown.length < orders.length ? html`<button type="button" data-testid="unplanned-more" @click=${() => {
        state.unplannedShown = shown.length + UNPLANNED_PAGE;
        update();
      }}>${t('d.unplanned.more', { shown: shown.length, count: orders.length })}</button>` : nothing}` : nothing}
  </section>`;
}
