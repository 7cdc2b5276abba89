// The KPI dashboard (the console's Analytics tab), loaded on the tab's first opening with uPlot.
//
// Everything shown comes from /api/v1/analytics/* for the period and depot chosen here, and every
// chart or table links to the same request with format=csv. Charts are pictures for the sighted:
// each has an aria-label summary and its numbers in a table (the failures map: a list), so nothing is
// told by a chart alone; trends and goal status are words as well as colours.
import { html, nothing, render } from 'lit-html';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, get, post, request } from '../shared/api.js';
import { language, t } from '../shared/i18n.js';
import { FailuresMap } from './failures-map.js';
import { duration, formatKpi, formatTrend, inputToTarget, inputUnit, number, targetToInput } from './format.js';
import { mergeMessages } from './messages.js';
import './styles.css';

mergeMessages();

/** The KPIs drawn over time; the scorecard lists all of them. */
export const SERIES_KPIS = ['on_time_rate', 'first_attempt_success_rate', 'stops_per_route_hour', 'cost_cents_per_stop',
  'co2_g_per_stop', 'eta_mae_s_30'];
const BREAKDOWN_KPIS = ['on_time_rate', 'first_attempt_success_rate', 'stops_per_route_hour', 'failed_deliveries'];
const DAY_MS = 86_400_000;

const state = {
  root: null,
  context: null,
  filters: null,
  units: {},
  data: {},
  errors: {},
  loading: false,
  notice: null,
  version: 0,
  sequence: 0,
  savingGoal: null,
};
const charts = new Map(); // kpi -> { plot, element, key }
// Charts follow their column's width (window resized, language with longer labels).
const resizes = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver((entries) => {
  for (const entry of entries) {
    const built = [...charts.values()].find((chart) => chart.element === entry.target);
    const width = Math.round(entry.contentRect.width);
    if (built && width > 0 && Math.abs(width - built.plot.width) > 4) built.plot.setSize({ width: Math.max(220, width), height: 150 });
  }
});
let failuresMap = null;

// --- queries --------------------------------------------------------------------------------------

function shiftDay(isoDay, days) {
  return new Date(Date.parse(`${isoDay}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function periodParams(extra = {}) {
  const { from, to, depotId } = state.filters;
  const params = new URLSearchParams({ from, to, ...extra });
  if (depotId) params.set('depot_id', String(depotId));
  return params;
}

/** The API address of a chart's data; the CSV link is the same address with format=csv. */
function dataUrl(name, extra = {}) {
  if (name === 'scorecard') {
    const params = new URLSearchParams({ to: state.filters.to, period: state.filters.period, ...extra });
    if (state.filters.depotId) params.set('depot_id', String(state.filters.depotId));
    return `/api/v1/analytics/scorecard?${params}`;
  }
  const paths = {
    series: ['kpis', { grain: state.filters.grain }], driver: ['breakdown', { by: 'driver' }],
    depot: ['breakdown', { by: 'depot' }], reason: ['breakdown', { by: 'reason' }],
    failures: ['failed-deliveries', {}], plan: ['plan-vs-actual', {}], ratings: ['ratings', {}],
  };
  const [path, params] = paths[name];
  return `/api/v1/analytics/${path}?${periodParams({ ...params, ...extra })}`;
}

const csvUrl = (name) => dataUrl(name, { format: 'csv' });

const SECTIONS = ['series', 'scorecard', 'driver', 'depot', 'reason', 'failures', 'plan', 'ratings'];

async function load() {
  const sequence = ++state.sequence;
  state.loading = true;
  state.errors = {};
  draw();
  const requests = [...SECTIONS.map((name) => get(dataUrl(name))), get('/api/v1/analytics/definitions')];
  const results = await Promise.allSettled(requests);
  if (sequence !== state.sequence) return; // the filters changed meanwhile: a newer load is on its way
  SECTIONS.forEach((name, index) => {
    const result = results[index];
    if (result.status === 'fulfilled') state.data[name] = result.value;
    else {
      state.data[name] = null;
      state.errors[name] = result.reason;
    }
  });
  const definitions = results.at(-1);
  if (definitions.status === 'fulfilled') {
    for (const item of definitions.value.items) state.units[item.name] = item.unit;
  }
  state.loading = false;
  state.version += 1;
  draw();
}

async function reloadScorecard() {
  try {
    state.data.scorecard = await get(dataUrl('scorecard'));
  } catch (error) {
    state.errors.scorecard = error;
  }
  draw();
}

function setFilter(name, value) {
  state.filters[name] = value;
  if (name === 'from' && state.filters.to < value) state.filters.to = value;
  if (name === 'to' && state.filters.from > value) state.filters.from = value;
  load();
}

// --- goals (admins) ---------------------------------------------------------------------------------

async function saveGoal(item, form) {
  const unit = item.unit;
  const target = inputToTarget(new FormData(form).get('target'), unit);
  if (target === null) return;
  const depotId = state.filters.depotId || null;
  state.savingGoal = item.kpi;
  draw();
  try {
    // The scorecard shows the goal that applies; a depot's view that shows the organization's goal
    // gets a depot goal of its own rather than changing every depot's.
    if (item.goal && (item.goal.depot_id ?? null) === depotId) {
      await request('PATCH', `/api/v1/analytics/goals/${item.goal.id}`, { json: { target } });
    } else {
      await post('/api/v1/analytics/goals', { kpi: item.kpi, target, depot_id: depotId, period: state.filters.period });
    }
    state.notice = { kind: 'ok', text: t('a.goal.saved', { kpi: t(`kpi.${item.kpi}`) }) };
    await reloadScorecard();
  } catch (error) {
    state.notice = { kind: 'error', text: t('a.error', { message: errorText(error) }) };
  } finally {
    state.savingGoal = null;
    draw();
  }
}

// --- views ----------------------------------------------------------------------------------------

const unitOf = (kpi) => state.units[kpi] || 'ratio';
const kpiValue = (kpi, value) => formatKpi(value, unitOf(kpi));
const errorText = (error) => (error instanceof ApiError ? error.message : String(error?.message || error));

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
  return html`<span class="a-bar ${kind}" aria-hidden="true"><span style="width: ${width.toFixed(1)}%"></span></span>`;
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

function reasonLabel(reason) {
  const key = `fail.reason.${reason}`;
  return t(key) === key ? reason : t(key);
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

function driverName(driverId, label) {
  if (label) return label;
  const row = state.data.driver?.items.find((item) => item.key === driverId);
  return row?.label || (driverId ? `#${driverId}` : '—');
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

function view() {
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

// --- charts and map (imperative, after each render) ------------------------------------------------

function buildChart(element, kpi, items) {
  const unit = unitOf(kpi);
  const seconds = (isoDay) => Date.parse(`${isoDay}T00:00:00Z`) / 1000;
  const xs = items.map((item) => seconds(item.period));
  const ys = items.map((item) => item.kpis[kpi]);
  // The x axis spans the chosen dates (a week or month starts on or before `from`), padded half a
  // day each side so that a single period is a dot in the middle rather than a collapsed scale.
  const low = Math.min(seconds(state.filters.from), ...xs) - 43_200;
  const high = Math.max(seconds(state.filters.to), ...xs) + 43_200;
  const highest = Math.max(0, ...ys.filter((v) => v != null));
  // Ratios on 0-100 %; others from 0 to a little above the highest value (a minute for empty times).
  const empty = unit === 's' ? 60 : 1;
  const yRange = unit === 'ratio' ? [0, Math.max(1, highest)] : [0, highest > 0 ? highest * 1.15 : empty];
  const width = Math.max(220, element.clientWidth || 300);
  return new uPlot({
    width, height: 150, legend: { show: false },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'), // periods are calendar days, not instants
    scales: { x: { time: true, range: () => [low, high] }, y: { range: () => yRange } },
    axes: [{ stroke: '#5f6368' }, { stroke: '#5f6368', size: 64, values: (u, splits) => splits.map((v) => formatKpi(v, unit)) }],
    series: [{}, { label: t(`kpi.${kpi}`), stroke: '#0b3d2e', width: 2, fill: 'rgba(11, 61, 46, 0.08)',
      points: { show: true, size: 7 }, spanGaps: false }],
  }, [xs, ys], element);
}

function drawCharts() {
  const items = state.data.series?.items || [];
  const key = `${state.version}|${language()}`;
  for (const kpi of SERIES_KPIS) {
    const element = state.root.querySelector(`[data-chart="${kpi}"]`);
    const built = charts.get(kpi);
    if (!element) {
      built?.plot.destroy();
      if (built) resizes?.unobserve(built.element);
      charts.delete(kpi);
      continue;
    }
    if (built && built.element === element && built.key === key) continue;
    if (built) {
      built.plot.destroy();
      resizes?.unobserve(built.element);
    }
    element.replaceChildren();
    charts.set(kpi, { plot: buildChart(element, kpi, items), element, key });
    resizes?.observe(element);
  }
}

function drawMap() {
  const element = state.root.querySelector('[data-testid="failures-map"]');
  if (!element) {
    failuresMap?.remove();
    failuresMap = null;
    return;
  }
  if (!failuresMap || failuresMap.element !== element) {
    failuresMap?.remove();
    failuresMap = new FailuresMap(element, { tileUrl: state.context.settings?.tile_url,
      attribution: state.context.settings?.tile_attribution });
  }
  failuresMap.draw(state.data.failures?.items || [], { key: state.version, label: (f) => [f.external_ref, f.address,
    reasonLabel(f.reason), f.day].filter(Boolean).join(' — ') });
}

function draw() {
  if (!state.root || !state.root.isConnected) return;
  render(view(), state.root);
  drawCharts();
  drawMap();
}

/** Called by the console each time it renders the tab; loads the data on first showing. */
export function attach(root, context) {
  state.context = context;
  if (state.root !== root) {
    // The console rebuilt its panel (the tab was left and opened again): the old charts and map went with it.
    for (const built of charts.values()) built.plot.destroy();
    resizes?.disconnect();
    charts.clear();
    failuresMap?.remove();
    failuresMap = null;
    state.root = root;
  }
  if (!state.filters) {
    const to = context.date;
    state.filters = { from: shiftDay(to, -6), to, grain: 'day', depotId: null, period: 'week' };
    load();
    return;
  }
  draw();
}
