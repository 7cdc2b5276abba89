// The dashboard's sections. Charts are pictures for the sighted: each has an aria-label summary and its
// numbers in a table (the failures map: a list), so nothing is told by a chart alone; trends and goal
// status are words as well as colours.
import { html, nothing } from 'lit-html';
import { t, tn } from '../shared/i18n.js';
import { cssProperties } from '../shared/style.js';
import { duration, formatKpi, formatTrend, inputUnit, number, targetToInput } from './format.js';
import {
  BREAKDOWN_KPIS, SERIES_KPIS, csvUrl, driverName, errorText, kpiValue, load, reasonLabel, reloadScorecard, saveGoal,
  setFilter, state, unitOf,
} from './store.js';

function csvLink(name, title) {
  return html`<a class="csv" href=${csvUrl(name)} download data-testid="csv-${name}"
    aria-label=${t('a.csvOf', { name: title })}>${t('a.csv')}</a>`;
}

function card(name, title, body, { wide = false } = {}) {
  const error = state.errors[name];
  const data = state.data[name];
  return html`<section class="a-card ${wide ? 'wide' : ''}" aria-labelledby="a-${name}-title" data-testid="a-${name}"
      aria-busy=${state.loading ? 'true' : 'false'}>
    <header><h3 id="a-${name}-title">${title}</h3>${csvLink(name, title)}</header>
    ${data?.in_progress_routes ? html`<p class="partial" data-testid="a-partial">${tn('a.partial', data.in_progress_routes)}</p>` : nothing}
    ${error ? html`<p class="error" role="alert">${t('a.error', { message: errorText(error) })}</p>`
    : data ? body(data) : html`<p>${t('a.loading')}</p>`}
  </section>`;
}

function filtersView() {
  const f = state.filters;
  return html`<form class="a-filters" @submit=${(e) => { e.preventDefault(); load(); }} aria-label=${t('a.title')}>
    <label>${t('a.from')}<input type="date" name="from" required .value=${f.from} max=${f.to}
      @change=${(e) => e.target.value && setFilter('from', e.target.value)}></label>
    <label>${t('a.to')}<input type="date" name="to" required .value=${f.to} min=${f.from}
      @change=${(e) => e.target.value && setFilter('to', e.target.value)}></label>
    <label>${t('a.grain')}<select name="grain" @change=${(e) => setFilter('grain', e.target.value)}>
      ${['day', 'week', 'month'].map((g) => html`<option value=${g} ?selected=${f.grain === g}>${t(`a.grain.${g}`)}</option>`)}
    </select></label>
    <label>${t('a.depot')}<select name="depot" @change=${(e) => setFilter('depotId', Number(e.target.value) || null)}>
      <option value="" ?selected=${!f.depotId}>${t('a.allDepots')}</option>
      ${state.context.depots.map((d) => html`<option value=${d.id} ?selected=${d.id === f.depotId}>${d.name}</option>`)}
    </select></label>
    <button type="submit">${t('a.refresh')}</button>
    <span role="status" class="a-status">${state.loading ? t('a.loading') : ''}</span>
  </form>`;
}

function trendView(item) {
  if (item.trend == null) return html`<span class="muted">${t('a.trend.unknown')}</span>`;
  if (item.improving == null) return html`<span>${formatTrend(item.trend, item.unit)} · ${t('a.trend.flat')}</span>`;
  const better = item.improving;
  return html`<span class=${better ? 'good' : 'bad'}><span aria-hidden="true">${item.trend > 0 ? '▲' : '▼'}</span>
    ${formatTrend(item.trend, item.unit)} · ${t(better ? 'a.trend.better' : 'a.trend.worse')}</span>`;
}

function statusView(item) {
  if (!item.goal) return html`<span class="muted">${t('a.goal.none')}</span>`;
  if (item.meets_goal == null) return html`<span class="muted">${t('a.goal.unknown')}</span>`;
  return html`<span class="badge ${item.meets_goal ? 'good' : 'bad'}">${t(item.meets_goal ? 'a.goal.met' : 'a.goal.missed')}</span>`;
}

function goalView(item) {
  const shown = item.goal ? `${item.goal.comparison} ${formatKpi(item.goal.target, item.unit)}` : '—';
  if (state.context.user.role !== 'admin') return html`<span>${shown}</span>`;
  const label = t('a.goal.edit', { kpi: t(`kpi.${item.kpi}`) });
  return html`<form class="goal" @submit=${(e) => { e.preventDefault(); saveGoal(item, e.target); }}>
    <span class="muted" aria-hidden="true">${item.goal?.comparison || (item.better === 'higher' ? '≥' : '≤')}</span>
    <input name="target" inputmode="decimal" size="6" aria-label=${label} .value=${targetToInput(item.goal?.target, item.unit)}
      required pattern="-?[0-9]+([.,][0-9]+)?"><span class="muted">${inputUnit(item.unit)}</span>
    <button type="submit" ?disabled=${state.savingGoal === item.kpi} aria-label=${`${t('a.goal.save')}: ${t(`kpi.${item.kpi}`)}`}>${t('common.save')}</button>
  </form>`;
}

function scorecardView(card) {
  const period = t(`a.grain.${card.period}`).toLowerCase();
  return html`<p class="muted">${t('a.scorecardRange', { from: card.from, to: card.to, period })}</p>
    <label class="inline">${t('a.scorecardPeriod')}<select @change=${(e) => { state.filters.period = e.target.value; reloadScorecard(); }}>
      ${['day', 'week', 'month'].map((g) => html`<option value=${g} ?selected=${state.filters.period === g}>${t(`a.grain.${g}`)}</option>`)}
    </select></label>
    ${state.context.user.role !== 'admin' ? html`<p class="muted">${t('a.goal.adminOnly')}</p>` : nothing}
    <div class="a-scroll"><table class="scorecard">
      <thead><tr><th scope="col">${t('a.col.kpi')}</th><th scope="col">${t('a.col.value')}</th><th scope="col">${t('a.col.previous')}</th>
        <th scope="col">${t('a.col.trend')}</th><th scope="col">${t('a.col.goal')}</th><th scope="col">${t('a.col.status')}</th></tr></thead>
      <tbody>${card.kpis.map((item) => html`<tr data-kpi=${item.kpi}
          class=${item.meets_goal === true ? 'met' : item.meets_goal === false ? 'missed' : ''}>
        <th scope="row" title=${item.definition}>${t(`kpi.${item.kpi}`)}</th>
        <td data-value=${item.value ?? ''}>${formatKpi(item.value, item.unit)}</td>
        <td>${formatKpi(item.previous, item.unit)}</td>
        <td>${trendView(item)}</td><td>${goalView(item)}</td><td>${statusView(item)}</td>
      </tr>`)}</tbody></table></div>`;
}

function chartSummary(kpi, items) {
  const values = items.map((i) => i.kpis[kpi]).filter((v) => v != null);
  const name = t(`kpi.${kpi}`);
  if (!values.length) return t('a.chartEmpty', { kpi: name });
  return t('a.chartSummary', { kpi: name, count: items.length, first: items[0].period, last: items.at(-1).period,
    min: kpiValue(kpi, Math.min(...values)), max: kpiValue(kpi, Math.max(...values)) });
}

function seriesView(series) {
  const items = series.items;
  if (!items.length) return html`<p>${t('a.noData')}</p>`;
  return html`<div class="a-charts">${SERIES_KPIS.map((kpi) => html`<figure class="a-chart">
      <figcaption id="chart-${kpi}-title">${t(`kpi.${kpi}`)}
        <strong data-testid="latest-${kpi}">${kpiValue(kpi, items.at(-1).kpis[kpi])}</strong></figcaption>
      <div class="plot" data-chart=${kpi} role="img" tabindex="0" aria-label=${chartSummary(kpi, items)}></div>
    </figure>`)}</div>
    <details><summary>${t('a.asTable')}</summary><div class="a-scroll"><table data-testid="series-table">
      <thead><tr><th scope="col">${t('a.period')}</th>${SERIES_KPIS.map((kpi) => html`<th scope="col">${t(`kpi.${kpi}`)}</th>`)}</tr></thead>
      <tbody>${items.map((item) => html`<tr data-period=${item.period}><th scope="row">${item.period}</th>
        ${SERIES_KPIS.map((kpi) => html`<td data-kpi=${kpi} data-value=${item.kpis[kpi] ?? ''}>${kpiValue(kpi, item.kpis[kpi])}</td>`)}</tr>`)}</tbody>
    </table></div></details>`;
}

/** A horizontal bar as decoration beside a number the table already gives (hidden from screen readers). */
function bar(share, kind = '') {
  const width = Math.max(0, Math.min(1, share || 0)) * 100;
  return html`<span class="a-bar ${kind}" aria-hidden="true"><span style=${cssProperties({ width: `${width.toFixed(1)}%` })}></span></span>`;
}

function breakdownView(rows) {
  if (!rows.items.length) return html`<p>${t('a.noData')}</p>`;
  return html`<div class="a-scroll"><table class="breakdown">
    <thead><tr><th scope="col">${t('a.col.name')}</th><th scope="col">${t('a.col.attempted')}</th>
      ${BREAKDOWN_KPIS.map((kpi) => html`<th scope="col">${t(`kpi.${kpi}`)}</th>`)}</tr></thead>
    <tbody>${rows.items.map((row) => html`<tr data-key=${row.key ?? ''}><th scope="row">${row.label}</th>
      <td>${number(row.components.attempted)}</td>
      ${BREAKDOWN_KPIS.map((kpi) => html`<td data-kpi=${kpi} data-value=${row.kpis[kpi] ?? ''}>${kpiValue(kpi, row.kpis[kpi])}
        ${unitOf(kpi) === 'ratio' && row.kpis[kpi] != null ? bar(row.kpis[kpi]) : nothing}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

function reasonView(rows) {
  if (!rows.items.length) return html`<p>${t('a.noData')}</p>`;
  const most = Math.max(...rows.items.map((r) => r.failed));
  return html`<table class="reasons" data-testid="reason-table">
    <thead><tr><th scope="col">${t('a.col.reason')}</th><th scope="col">${t('a.col.failed')}</th><th scope="col">${t('a.col.share')}</th>
      <th scope="col"><span class="visually-hidden">${t('a.col.failed')}</span></th></tr></thead>
    <tbody>${rows.items.map((row) => html`<tr data-reason=${row.key}><th scope="row">${reasonLabel(row.key)}</th>
      <td data-value=${row.failed}>${number(row.failed)}</td><td>${formatKpi(row.share, 'ratio')}</td>
      <td class="bar-cell">${bar(row.failed / most, 'bad')}</td></tr>`)}</tbody>
  </table>`;
}

function failuresView(page) {
  return html`<p>${t('a.failuresCount', { count: page.total })}</p>
    <div class="a-map" data-testid="failures-map" role="region" aria-label=${t('a.failures')}></div>
    ${page.items.length ? html`<details><summary>${t('a.asTable')}</summary><div class="a-scroll"><table data-testid="failures-table">
      <thead><tr><th scope="col">${t('a.col.day')}</th><th scope="col">${t('a.col.order')}</th><th scope="col">${t('a.col.address')}</th>
        <th scope="col">${t('a.col.reason')}</th><th scope="col">${t('a.col.driver')}</th></tr></thead>
      <tbody>${page.items.map((f) => html`<tr data-order-id=${f.order_id ?? ''}><td>${f.day}</td><td>${f.external_ref || ''}</td>
        <td>${f.address || ''}</td><td>${reasonLabel(f.reason)}</td><td>${driverName(f.driver_id, f.driver_label)}</td></tr>`)}</tbody>
    </table></div></details>` : nothing}`;
}

function planView(plan) {
  if (!plan.items.length) return html`<p>${t('a.noData')}</p>`;
  const km = (m) => number((m || 0) / 1000, 1);
  const delta = (value, text) => html`<small class=${value > 0 ? 'bad' : 'good'}>${value > 0 ? '+' : value < 0 ? '−' : '±'}${text}</small>`;
  return html`<div class="a-scroll"><table data-testid="plan-table">
    <thead><tr><th scope="col">${t('a.col.day')}</th><th scope="col">${t('a.col.route')}</th><th scope="col">${t('a.col.driver')}</th>
      <th scope="col">${t('a.col.stops')}</th><th scope="col">${t('a.col.plannedKm')}</th><th scope="col">${t('a.col.actualKm')}</th>
      <th scope="col">${t('a.col.plannedTime')}</th><th scope="col">${t('a.col.actualTime')}</th><th scope="col">${t('a.col.outOfSequence')}</th></tr></thead>
    <tbody>${plan.items.map((r) => html`<tr data-route-id=${r.route_id ?? ''}><td>${r.day}</td><td>${r.route_id ? `#${r.route_id}` : '—'}</td>
      <td>${driverName(r.driver_id, r.driver_label)}</td><td>${r.attempted} / ${r.stops}</td>
      <td>${km(r.planned_distance_m)}</td><td>${km(r.distance_m)} ${delta(r.distance_delta_m, km(Math.abs(r.distance_delta_m)))}</td>
      <td>${duration(r.planned_duration_s)}</td><td>${duration(r.duration_s)} ${delta(r.duration_delta_s, duration(Math.abs(r.duration_delta_s)))}</td>
      <td>${r.out_of_sequence} / ${r.sequenced_stops}</td></tr>`)}</tbody>
  </table></div>`;
}

function ratingsView(ratings) {
  if (!ratings.count) return html`<p>${t('a.ratingsNone')}</p>`;
  const most = Math.max(...Object.values(ratings.distribution));
  return html`<p data-testid="ratings-mean">${t('a.ratingsMean', { mean: number(ratings.mean, 2), count: ratings.count })}</p>
    <table class="reasons"><thead><tr><th scope="col">${t('a.col.score')}</th><th scope="col">${t('a.col.count')}</th>
      <th scope="col"><span class="visually-hidden">${t('a.col.count')}</span></th></tr></thead>
      <tbody>${[5, 4, 3, 2, 1].map((score) => html`<tr data-score=${score}><th scope="row">${t('a.stars', { score })}</th>
        <td>${ratings.distribution[score] ?? 0}</td><td class="bar-cell">${bar((ratings.distribution[score] ?? 0) / most)}</td></tr>`)}</tbody></table>
    ${ratings.comments.length ? html`<h4>${t('a.comments')}</h4><ul class="comments">${ratings.comments.slice(0, 20).map((c) => html`<li>
      <strong>${t('a.stars', { score: c.score })}</strong> ${c.comment} <small class="muted">${c.at.slice(0, 10)}</small></li>`)}</ul>` : nothing}`;
}

export function view() {
  return html`<div class="analytics" data-testid="analytics-dashboard" data-version=${state.version}
      data-loading=${state.loading ? 'true' : 'false'}>
    <h2>${t('a.title')}</h2>
    ${filtersView()}
    ${state.notice ? html`<p class="notice ${state.notice.kind}" role=${state.notice.kind === 'ok' ? 'status' : 'alert'}
      data-testid="a-notice">${state.notice.text}</p>` : nothing}
    <div class="a-grid">
      ${card('scorecard', t('a.scorecard'), scorecardView, { wide: true })}
      ${card('series', t('a.series'), seriesView, { wide: true })}
      ${card('reason', t('a.breakdown.reason'), reasonView)}
      ${card('failures', t('a.failures'), failuresView)}
      ${card('driver', t('a.breakdown.driver'), breakdownView)}
      ${card('depot', t('a.breakdown.depot'), breakdownView)}
      ${card('plan', t('a.planActual'), planView, { wide: true })}
      ${card('ratings', t('a.ratings'), ratingsView)}
    </div>
  </div>`;
}
