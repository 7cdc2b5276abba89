// The Plan tab: import orders from a CSV file, choose drivers and vans, optimize, see what is unplanned.
import { html, nothing } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { assignVehicle, openOrder, optimize, runImport, stopOptimization } from '../actions.js';
import { suggestInsertion } from '../changes.js';
import { driverName, state, update, windowOf } from '../store.js';
import { planLatenessView } from '../lateness.js';

export function importView() {
  const { result, busy } = state.imports;
  return html`<section class="card" aria-labelledby="import-title">
    <h2 id="import-title">${t('d.import.title')}</h2>
    <label>${t('d.import.file')}<input type="file" accept=".csv,text/csv" data-testid="csv-file"
      @change=${(e) => { state.imports.file = e.target.files[0] || null; state.imports.result = null; update(); }}></label>
    <button type="button" ?disabled=${!state.imports.file || busy} @click=${() => runImport(true)}>${busy ? t('d.import.checking') : t('d.import.check')}</button>
    ${result ? html`<div data-testid="import-result" role="status">
      ${result.failed ? nothing : result.dryRun ? (result.errors?.length ? html`<p class="error">${t('d.import.errors', { count: result.errors.length })}</p>`
        : html`<p>${t('d.import.ok', { count: result.rows ?? 0 })}</p>`)
        : html`<p>${t('d.import.done', { created: result.created ?? 0, existing: result.existing ?? 0 })}</p>`}
      ${result.failed ? html`<p class="error">${result.failed.message}</p>` : nothing}
      ${result.errors?.length ? html`<table class="errors"><thead><tr><th>${t('d.import.line')}</th><th>${t('d.import.field')}</th><th>${t('d.import.message')}</th></tr></thead>
        <tbody>${result.errors.slice(0, 200).map((e) => html`<tr><td>${e.line}</td><td>${e.field}</td><td>${e.message}</td></tr>`)}</tbody></table>` : nothing}
      ${result.dryRun && !result.failed ? html`
        ${result.errors?.length ? html`<label class="inline"><input type="checkbox" .checked=${state.imports.skipInvalid}
          @change=${(e) => { state.imports.skipInvalid = e.target.checked; update(); }}>${t('d.import.skipInvalid')}</label>` : nothing}
        <button type="button" ?disabled=${busy || (result.errors?.length && !state.imports.skipInvalid)}
          @click=${() => runImport(false)}>${t('d.import.run', { count: result.valid ?? result.rows ?? 0 })}</button>` : nothing}
    </div>` : nothing}
  </section>`;
}

export function optimizerView() {
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
    ${planLatenessView(state.planResult, driverName)}
    ${state.unassigned.length ? html`<h3>${t('d.unassigned', { count: state.unassigned.length })}</h3>
      <ul data-testid="unassigned">${state.unassigned.map((u) => html`<li>${u.external_ref}: ${t(`d.reason.${u.reason}`)}</li>`)}</ul>` : nothing}
  </section>`;
}

export function unplannedView() {
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
