// The day as a timeline per driver: each stop's planned visit (light bar) above its actual visit (dark
// bar), on an hour axis in the depot's time zone, with a line at "now". The drivers' names stay in view
// while the hours scroll sideways, and the hour axis while the rows scroll; a bar tells what it is on hover.
import { html, nothing, svg } from 'lit-html';
import { t } from '../shared/i18n.js';
import { cssProperties } from '../shared/style.js';
import { formatTime } from '../shared/time.js';
import { colourOf } from './colours.js';

const HOUR_PX = 96;
const LANE_HEIGHT = 30;
const HOUR = 3600 * 1000;

function ms(iso) {
  const value = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(value) ? null : value;
}

/** The span of the day to draw: every planned and actual time, rounded out to whole hours. */
function span(routes) {
  let low = Infinity;
  let high = -Infinity;
  const see = (iso) => {
    const value = ms(iso);
    if (value === null) return;
    if (value < low) low = value;
    if (value > high) high = value;
  };
  for (const route of routes) {
    for (const key of ['planned_start_at', 'planned_end_at', 'started_at', 'completed_at']) see(route[key]);
    for (const stop of route.stops) {
      see(stop.planned_arrival_at);
      see(stop.planned_departure_at);
      see(stop.actual_arrival_at);
      see(stop.actual_departure_at);
    }
  }
  if (low === Infinity) return null;
  return [Math.floor(low / HOUR) * HOUR, Math.max(Math.ceil(high / HOUR) * HOUR, Math.floor(low / HOUR) * HOUR + HOUR)];
}

// --- the one tooltip: text only, next to the pointer ------------------------------------------------

function tip() {
  let element = document.getElementById('gantt-tip');
  if (!element) {
    element = document.createElement('div');
    element.id = 'gantt-tip';
    element.className = 'gantt-tip';
    element.setAttribute('role', 'tooltip');
    document.body.append(element);
  }
  return element;
}

function showTip(event) {
  const text = event.target.closest?.('[data-tip]')?.getAttribute('data-tip');
  const element = tip();
  if (!text) {
    element.hidden = true;
    return;
  }
  element.textContent = text;
  element.hidden = false;
  element.style.setProperty('left', `${Math.min(event.clientX + 12, window.innerWidth - 320)}px`);
  element.style.setProperty('top', `${event.clientY + 16}px`);
}

function hideTip() {
  tip().hidden = true;
}

// --- drawing ----------------------------------------------------------------------------------------

function visitText(stop, timeZone) {
  const planned = stop.planned_arrival_at ? t('d.gantt.plannedAt', {
    start: formatTime(stop.planned_arrival_at, timeZone), end: formatTime(stop.planned_departure_at, timeZone) }) : '';
  const actual = stop.actual_arrival_at ? t('d.gantt.actualAt', { time: formatTime(stop.actual_arrival_at, timeZone) }) : '';
  return [`${stop.sequence}. ${stop.order.address}`, planned, actual].filter(Boolean).join(' — ');
}

/**
 * @param routes the day's routes, in the list's order (colours follow it)
 * @param options.open (orderId) => open the order a bar stands for
 * @param options.now the time of the now-line (tests and the benchmark pass their own)
 */
export function gantt(routes, timeZone, { open = null, now = Date.now() } = {}) {
  const range = span(routes);
  if (!range) return html`<p>${t('d.gantt.empty')}</p>`;
  const [from, to] = range;
  const width = ((to - from) / HOUR) * HOUR_PX;
  const x = (value) => ((value - from) / HOUR) * HOUR_PX;
  const hours = [];
  for (let h = from; h <= to; h += HOUR) hours.push(h);
  const bar = (start, end, y, colour, opacity, text, orderId) => {
    const a = ms(start);
    if (a === null) return nothing;
    const b = ms(end) ?? a + 60 * 1000;
    return svg`<rect x=${x(a)} y=${y} width=${Math.max(x(b) - x(a), 2)} height="10" fill=${colour}
      fill-opacity=${opacity} data-tip=${text} data-order-id=${orderId}></rect>`;
  };
  const grid = svg`${hours.map((h) => svg`<line x1=${x(h)} x2=${x(h)} y1="0" y2=${LANE_HEIGHT} class="hour"></line>`)}`;
  const showNow = now >= from && now <= to;
  return html`<div class="gantt">
    <div class="gantt-scroll" tabindex="0" role="region" aria-label=${t('d.gantt')} data-testid="gantt-scroll"
        @mouseover=${showTip} @mousemove=${showTip} @mouseleave=${hideTip}
        @click=${(event) => { const id = Number(event.target.getAttribute?.('data-order-id')); if (id && open) open(id); }}>
      <div class="gantt-body" style=${cssProperties({ '--lane-width': `${width}px` })}>
        <div class="gantt-row gantt-hours"><span class="gantt-name"></span>
          <svg width=${width} height="18" aria-hidden="true">${hours.map((h) => svg`<text x=${x(h)} y="13"
            text-anchor=${h === from ? 'start' : h === to ? 'end' : 'middle'}>${formatTime(new Date(h).toISOString(), timeZone)}</text>`)}</svg></div>
        ${routes.map((route, index) => {
    const colour = colourOf(index);
    const name = route.driver?.name || t('d.route.noDriver');
    return html`<div class="gantt-row" data-route-id=${route.id}>
          <span class="gantt-name" style=${cssProperties({ '--route-colour': colour })}><span class="swatch" aria-hidden="true"></span>${name}</span>
          <svg width=${width} height=${LANE_HEIGHT} aria-hidden="true">${grid}
            ${route.stops.map((stop) => {
      const text = visitText(stop, timeZone);
      return svg`${bar(stop.planned_arrival_at, stop.planned_departure_at, 3, colour, 0.35, text, stop.order.id)}
              ${bar(stop.actual_arrival_at, stop.actual_departure_at, 16, colour, 1, text, stop.order.id)}`;
    })}</svg></div>`;
  })}
        ${showNow ? html`<div class="gantt-now" data-testid="gantt-now" style=${cssProperties({ '--now-x': `${x(now)}px` })}
          data-tip=${t('d.gantt.now', { time: formatTime(new Date(now).toISOString(), timeZone) })}></div>` : nothing}
      </div>
    </div>
  </div>`;
}
