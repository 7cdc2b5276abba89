// The dashboard's state and data: the filters, what each section's request answered, the goals an
// admin sets. Everything shown comes from /api/v1/analytics/* for the period and depot chosen; every
// chart or table links to the same request with format=csv.
import { ApiError, get, post, request } from '../shared/api.js';
import { t } from '../shared/i18n.js';
import { formatKpi, inputToTarget } from './format.js';

/** The KPIs drawn over time; the scorecard lists all of them. */
export const SERIES_KPIS = ['on_time_rate', 'first_attempt_success_rate', 'stops_per_route_hour', 'cost_cents_per_stop',
  'co2_g_per_stop', 'eta_mae_s_30'];
export const BREAKDOWN_KPIS = ['on_time_rate', 'first_attempt_success_rate', 'stops_per_route_hour', 'failed_deliveries'];
const DAY_MS = 86_400_000;

export const state = {
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

let renderer = () => {};

/** dashboard.js draws the tab (views, charts, map) with this function. */
export function setRenderer(render) {
  renderer = render;
}

export function draw() {
  renderer();
}

// --- queries --------------------------------------------------------------------------------------

export function shiftDay(isoDay, days) {
  return new Date(Date.parse(`${isoDay}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function periodParams(extra = {}) {
  const { from, to, depotId } = state.filters;
  const params = new URLSearchParams({ from, to, ...extra });
  if (depotId) params.set('depot_id', String(depotId));
  return params;
}

/** The API address of a chart's data; the CSV link is the same address with format=csv. */
export function dataUrl(name, extra = {}) {
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

export const csvUrl = (name) => dataUrl(name, { format: 'csv' });

const SECTIONS = ['series', 'scorecard', 'driver', 'depot', 'reason', 'failures', 'plan', 'ratings'];

export async function load() {
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

export async function reloadScorecard() {
  try {
    state.data.scorecard = await get(dataUrl('scorecard'));
  } catch (error) {
    state.errors.scorecard = error;
  }
  draw();
}

export function setFilter(name, value) {
  state.filters[name] = value;
  if (name === 'from' && state.filters.to < value) state.filters.to = value;
  if (name === 'to' && state.filters.from > value) state.filters.from = value;
  load();
}

// --- goals (admins) ---------------------------------------------------------------------------------

export async function saveGoal(item, form) {
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

// --- formatting shared by the views and the charts ------------------------------------------------

export const unitOf = (kpi) => state.units[kpi] || 'ratio';
export const kpiValue = (kpi, value) => formatKpi(value, unitOf(kpi));
export const errorText = (error) => (error instanceof ApiError ? error.message : String(error?.message || error));

export function reasonLabel(reason) {
  const key = `fail.reason.${reason}`;
  return t(key) === key ? reason : t(key);
}

export function driverName(driverId, label) {
  if (label) return label;
  const row = state.data.driver?.items.find((item) => item.key === driverId);
  return row?.label || (driverId ? `#${driverId}` : '—');
}
