// Drivers as the dispatcher sees them live: who, doing what (driving, on a break, not started, done, no
// route) and how fresh their position is. The map's badges and the Live tab's list say the same words.
import { html } from 'lit-html';
import { t } from '../shared/i18n.js';
import { cssProperties } from '../shared/style.js';
import { colourOf } from './colours.js';
import { driverName, state, time } from './store.js';

const DEFAULT_STALE_AFTER_S = 120;

/** "20 s", "4 min", "2 h 05" ago, from milliseconds. */
export function ago(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return t('d.ago.seconds', { seconds });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('d.ago.minutes', { minutes });
  return t('d.ago.hours', { hours: Math.floor(minutes / 60), minutes: String(minutes % 60).padStart(2, '0') });
}

function routeOfDriver(driverId) {
  const index = state.board.routes.findIndex((r) => r.driver?.id === driverId);
  return index >= 0 ? { route: state.board.routes[index], index } : { route: null, index: -1 };
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
  const { route, index } = routeOfDriver(position.driver_id);
  const name = driverName(position.driver_id);
  const stateName = driverState(route);
  const age = now - Date.parse(position.at);
  const staleAfter = (state.settings?.position_stale_after_s || DEFAULT_STALE_AFTER_S) * 1000;
  const stale = Number.isFinite(age) && age > staleAfter;
  const freshness = stale ? t('d.driver.stale', { ago: ago(age) }) : t('d.driver.seen', { ago: ago(age) });
  return {
    name, state: stateName, stale, colour: index >= 0 ? colourOf(index) : '#00bcd4',
    label: t('d.driver.label', { name, state: t(`d.driver.state.${stateName}`), freshness }),
  };
}

/** The Live tab's list of drivers: the ones who stopped reporting first, then by name. */
export function driversListView() {
  const now = Date.now();
  const rows = [...state.positions.values()].map((position) => ({ position, look: driverLook(position, now) }));
  rows.sort((a, b) => (b.look.stale - a.look.stale) || a.look.name.localeCompare(b.look.name));
  return html`<h3>${t('d.drivers.liveCount', { count: rows.length })}</h3>
    <ul class="driver-list" data-testid="driver-positions">${rows.map(({ position, look }) => html`<li
        data-driver-id=${position.driver_id} class=${look.stale ? 'stale' : ''}
        style=${cssProperties({ '--route-colour': look.colour })}>
      <span class="swatch" aria-hidden="true"></span>
      <strong>${look.name}</strong> — ${t(`d.driver.state.${look.state}`)}
      <small>${look.stale ? t('d.driver.stale', { ago: ago(now - Date.parse(position.at)) })
    : t('d.driver.at', { time: time(position.at) })}</small></li>`)}</ul>`;
}
