// Drivers as the dispatcher sees them live: who, doing what (driving, on a break, not started, done, no
// route) and how fresh their position is. The map's badges and the Live tab's list say the same words.
import { html, nothing } from 'lit-html';
import { t } from '../shared/i18n.js';
import { cssProperties } from '../shared/style.js';
import { colourOf } from './colours.js';
import { driverName, state, time, update } from './store.js';

const DEFAULT_STALE_AFTER_S = 120;

/** "20 s", "4 min", "2 h 05" ago, from milliseconds. */
export function ago(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return t('d.ago.seconds', { seconds });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('d.ago.minutes', { minutes });
  return t('d.ago.hours', { hours: Math.floor(minutes / 60), minutes: String(minutes % 60).padStart(2, '0') });
}

// Who each driver is and which route (and colour) is theirs, worked out once per board and fleet: a thousand
// drivers moving must not search the routes and the fleet for each one.
let index = { board: null, drivers: null, byId: new Map() };

function driverIndex() {
  if (index.board === state.board && index.drivers === state.drivers) return index.byId;
  const byId = new Map();
  for (const driver of state.drivers) byId.set(driver.id, { name: driver.user?.name || `#${driver.id}`, route: null, index: -1 });
  state.board.routes.forEach((route, at) => {
    if (!route.driver) return;
    const known = byId.get(route.driver.id);
    byId.set(route.driver.id, { name: route.driver.name || known?.name, route, index: at });
  });
  index = { board: state.board, drivers: state.drivers, byId };
  return byId;
}

function routeOfDriver(driverId) {
  return driverIndex().get(driverId) || { name: null, route: null, index: -1 };
}

export function driverState(route) {
  if (!route) return 'free';
  if (route.status === 'completed') return 'done';
  if (route.on_break) return 'break';
  if (route.status === 'in_progress') return 'driving';
  return 'waiting';
}

/** How a driver's badge looks now: short name, colour of their route, state and staleness, the full sentence. */
export function driverLook(position, now = Date.now()) {
  const { route, index: at, name: known } = routeOfDriver(position.driver_id);
  const name = known || driverName(position.driver_id);
  const stateName = driverState(route);
  const age = now - Date.parse(position.at);
  const staleAfter = (state.settings?.position_stale_after_s || DEFAULT_STALE_AFTER_S) * 1000;
  const stale = Number.isFinite(age) && age > staleAfter;
  // A fresh position says when it was taken (it changes only with the next fix); a stale one how long ago.
  const freshness = stale ? t('d.driver.stale', { ago: ago(age) }) : t('d.driver.seen', { time: time(position.at) });
  return {
    name, state: stateName, stale, colour: at >= 0 ? colourOf(at) : '#00bcd4',
    label: t('d.driver.label', { name, state: t(`d.driver.state.${stateName}`), freshness }),
  };
}

// The list shows this many drivers at first (those gone quiet first): a thousand rows redrawn every second
// would stall the console, and nobody reads a thousand names; "Show more" adds the next ones.
const LIST_PAGE = 50;

/** The Live tab's list of drivers: the ones who stopped reporting first, then by name. */
export function driversListView() {
  const now = Date.now();
  const staleAfter = (state.settings?.position_stale_after_s || DEFAULT_STALE_AFTER_S) * 1000;
  const rows = [];
  for (const position of state.positions.values()) {
    const known = routeOfDriver(position.driver_id);
    rows.push({ position, name: known.name || driverName(position.driver_id), stale: now - Date.parse(position.at) > staleAfter });
  }
  rows.sort((a, b) => (b.stale - a.stale) || a.name.localeCompare(b.name));
  const shown = rows.slice(0, state.driversShown || LIST_PAGE);
  return html`<h3>${t('d.drivers.liveCount', { count: rows.length })}</h3>
    <ul class="driver-list" data-testid="driver-positions">${shown.map(({ position }) => {
    const look = driverLook(position, now);
    return html`<li data-driver-id=${position.driver_id} class=${look.stale ? 'stale' : ''}
        style=${cssProperties({ '--route-colour': look.colour })}>
      <span class="swatch" aria-hidden="true"></span>
      <strong>${look.name}</strong> — ${t(`d.driver.state.${look.state}`)}
      <small>${look.stale ? t('d.driver.stale', { ago: ago(now - Date.parse(position.at)) })
    : t('d.driver.at', { time: time(position.at) })}</small></li>`;
  })}</ul>
    ${shown.length < rows.length ? html`<button type="button" data-testid="drivers-more" @click=${() => {
    state.driversShown = shown.length + LIST_PAGE * 4;
    update();
  }}>${t('d.drivers.more', { shown: shown.length, count: rows.length })}</button>` : nothing}`;
}
