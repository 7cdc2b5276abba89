// The KPI dashboard (the console's Analytics tab), loaded on the tab's first opening with uPlot.
// state and data: store.js; sections: views.js; here: drawing them, then the charts and the failures
// map (imperative, after each render), and attaching to the console's panel.
import { render } from 'lit-html';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { language, t } from '../shared/i18n.js';
import { FailuresMap } from './failures-map.js';
import { formatKpi } from './format.js';
import { mergeMessages } from './messages.js';
import { SERIES_KPIS, draw, load, reasonLabel, setRenderer, shiftDay, state, unitOf } from './store.js';
import { view } from './views.js';
import './styles.css';

mergeMessages();

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

setRenderer(() => {
  if (!state.root || !state.root.isConnected) return;
  render(view(), state.root);
  drawCharts();
  drawMap();
});

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
