// The day as a timeline per driver, in plain SVG: each stop's planned visit (light bar) above its
// actual visit (dark bar), on an hour axis in the depot's time zone.
import { svg } from 'lit-html';
import { t } from '../shared/i18n.js';
import { formatTime } from '../shared/time.js';
import { colourOf } from './colours.js';

const ROW = 34;
const LABEL = 150;
const WIDTH = 900;

function ms(iso) {
  const value = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(value) ? null : value;
}

/** The span of the day to draw: every planned and actual time, rounded out to whole hours. */
function span(routes) {
  const times = [];
  for (const route of routes) {
    for (const key of ['planned_start_at', 'planned_end_at', 'started_at', 'completed_at']) times.push(ms(route[key]));
    for (const stop of route.stops) {
      for (const key of ['planned_arrival_at', 'planned_departure_at', 'actual_arrival_at', 'actual_departure_at']) {
        times.push(ms(stop[key]));
      }
    }
  }
  const known = times.filter((v) => v !== null);
  if (!known.length) return null;
  const hour = 3600 * 1000;
  return [Math.floor(Math.min(...known) / hour) * hour, Math.ceil(Math.max(...known) / hour) * hour];
}

export function gantt(routes, timeZone) {
  const range = span(routes);
  if (!range) return svg``;
  const [from, to] = range;
  const x = (value) => LABEL + ((value - from) / Math.max(to - from, 1)) * (WIDTH - LABEL - 10);
  const height = 24 + routes.length * ROW;
  const hours = [];
  for (let h = from; h <= to; h += 3600 * 1000) hours.push(h);
  const bar = (start, end, y, colour, opacity, label) => {
    const a = ms(start);
    if (a === null) return svg``;
    const b = ms(end) ?? a + 60 * 1000;
    return svg`<rect x=${x(a)} y=${y} width=${Math.max(x(b) - x(a), 2)} height="10" fill=${colour}
      fill-opacity=${opacity}><title>${label}</title></rect>`;
  };
  return svg`<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label=${t('d.gantt')}
      data-testid="gantt-svg" preserveAspectRatio="xMinYMin meet">
    ${hours.map((h) => svg`<line x1=${x(h)} x2=${x(h)} y1="16" y2=${height} stroke="#ddd"></line>
      <text x=${x(h)} y="12" font-size="10" text-anchor="middle">${formatTime(new Date(h).toISOString(), timeZone)}</text>`)}
    ${routes.map((route, index) => {
    const y = 22 + index * ROW;
    const colour = colourOf(index);
    return svg`<g class="gantt-row" data-route-id=${route.id}>
        <text x="4" y=${y + 14} font-size="12">${route.driver?.name || t('d.route.noDriver')}</text>
        ${route.stops.map((stop) => svg`
          ${bar(stop.planned_arrival_at, stop.planned_departure_at, y, colour, 0.35,
      `${stop.sequence}. ${stop.order.address} — ${t('d.gantt.planned')} ${formatTime(stop.planned_arrival_at, timeZone)}`)}
          ${bar(stop.actual_arrival_at, stop.actual_departure_at, y + 12, colour, 1,
        `${stop.sequence}. ${stop.order.address} — ${t('d.gantt.actual')} ${formatTime(stop.actual_arrival_at, timeZone)}`)}`)}
      </g>`;
  })}
  </svg>`;
}
