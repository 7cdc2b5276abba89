// The dispatcher console: plan a day, watch it live, and change routes while they are driven.
// state and what derives from it: store.js; what it does: actions.js (loading, planning), changes.js
// (previewed, versioned changes), live.js (the socket); what it shows: views/. This file starts it and
// draws the views and the map from the state on every update().
import { html, nothing, render } from 'lit-html';
import { ApiError, get, login, logout, me } from '../shared/api.js';
import { browserLanguages, language, setLanguage, supportedLanguage, t, tn } from '../shared/i18n.js';
import { todayIn } from '../shared/time.js';
// Analytics tab: a tiny static hook; the dashboard and its chart library load on the tab's first opening.
import { showAnalytics } from '../analytics/entry.js';
import { loadBoard, loadFleet, openOrder } from './actions.js';
import { driverLook } from './drivers.js';
import { connectLive } from './live.js';
import { ConsoleMap } from './map.js';
import { mergeLatenessMessages } from './lateness.js';
import { mergePublishingMessages, publishAskView } from './publishing.js';
import { mergeBoardMessages } from './board_messages.js';
import { mergeMessages } from './messages.js';
import { mergeOrderMessages } from './orders/messages.js';
import { mergeNotificationMessages } from './orders/notifications.js';
import './orders/orders.css';
import {
  $, LANGUAGE_KEY, STAFF, atRiskStops, errorMessage, setDriverRenderer, setRenderer, showError, state, timeZone,
} from './store.js';
import { barView, loginView, noticeView, orderView, panelView, tabsView, dayTimelineView } from './views/console.js';
import { routeActionView } from './views/route_actions.js';
import { pendingView, routesView } from './views/routes.js';
import './styles.css';

mergeMessages();
mergeBoardMessages();
mergeLatenessMessages();
mergePublishingMessages();
mergeOrderMessages();
mergeNotificationMessages();

let consoleMap = null;
let listDrawnAt = 0;
let driversDrawnFor = null;

/** Every driver's badge where their last position is, with their state and how fresh it is. */
function drawDrivers() {
  if (!consoleMap) return;
  const now = Date.now();
  state.movedDrivers.clear();
  for (const position of state.positions.values()) consoleMap.moveDriver(position, driverLook(position, now));
}

/** Positions only: the badges of the drivers who moved move; the Live tab's list follows at most once a second. */
function onPositions() {
  if (!consoleMap) return;
  const now = Date.now();
  for (const driverId of state.movedDrivers) {
    const position = state.positions.get(driverId);
    if (position) consoleMap.moveDriver(position, driverLook(position, now));
  }
  state.movedDrivers.clear();
  if (state.tab === 'live' && Date.now() - listDrawnAt > 1000) update();
}

function update() {
  if (!$('side')) return;
  // --- analytics tab: the dashboard takes the side column and the map's place -------------------
  const analytics = state.tab === 'analytics';
  if ($('app').classList.contains('analytics-mode') !== analytics) {
    $('app').classList.toggle('analytics-mode', analytics);
    if (!analytics) setTimeout(() => consoleMap?.invalidate()); // the map was hidden: let Leaflet measure again
  }
  // --- end analytics tab ---------------------------------------------------------------------------
  const orders = state.tab === 'orders'; // the order desk takes the map's place too
  if ($('app').classList.contains('orders-mode') !== orders) {
    $('app').classList.toggle('orders-mode', orders);
    if (!orders) setTimeout(() => consoleMap?.invalidate());
  }
  const timeline = state.tab === 'timeline'; // and so does the timeline, wide beside the route list
  if ($('app').classList.contains('timeline-mode') !== timeline) {
    $('app').classList.toggle('timeline-mode', timeline);
    if (!timeline) setTimeout(() => consoleMap?.invalidate());
  }
  render(timeline ? dayTimelineView() : nothing, $('timeline'));
  render(barView(), $('bar'));
  render(html`${noticeView()}${publishAskView()}${pendingView()}${routeActionView()}${tabsView()}<div id="panel" role="tabpanel" aria-labelledby="tab-${state.tab}">${panelView()}</div>${analytics || orders ? nothing : routesView()}`, $('side'));
  if (analytics) {
    showAnalytics($('analytics-root'), { user: state.user, depots: state.depots, date: state.date, settings: state.settings })
      .catch(showError);
  }
  render(orderView(), $('detail'));
  if (state.tab === 'live') listDrawnAt = Date.now();
  if (consoleMap) {
    const depot = state.depots.find((d) => d.id === state.depotId);
    consoleMap.draw({ routes: state.board.routes, unplanned: state.board.unplanned, depot, atRisk: atRiskStops(),
      key: `${state.date}|${state.depotId}` });
    // Badges change look only when whose route is whose, a route's state or the language does (their moves
    // come through onPositions): an ETA update must not touch a thousand badges.
    const looks = `${language()}|${state.board.routes.map((r) => `${r.id}:${r.driver?.id}:${r.status}:${r.on_break}`).join(',')}`;
    if (looks !== driversDrawnFor) {
      driversDrawnFor = looks;
      drawDrivers();
    } else if (state.movedDrivers.size) {
      onPositions();
    }
  }
}

setRenderer(update);
setDriverRenderer(onPositions);
// A phone that stops reporting turns its badge "no signal" without any event: look again now and then.
setInterval(drawDrivers, 15000);
// The timeline's now-line moves with the clock.
setInterval(() => { if (state.tab === 'timeline') update(); }, 60000);

// The console follows the browser until the person picks a language in its bar (issue #16, item 6), as the
// admin screens do: a French profile does not turn an en-US browser French without a word. The profile's
// language only counts when the browser asks for none that we offer.
function consoleLanguage(profileLanguage = null) {
  return localStorage.getItem(LANGUAGE_KEY) || supportedLanguage([...browserLanguages(), profileLanguage]) || 'en';
}

async function onLogin(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const session = await login(form.get('login'), form.get('password'));
    await start(session);
  } catch (error) {
    render(loginView(onLogin, error instanceof ApiError && error.status < 500 ? t('d.login.failed') : errorMessage(error)), $('app'));
  }
}

async function start(session) {
  const user = session.user;
  if (!STAFF.has(user.role)) {
    render(html`<main class="login"><p role="alert">${t('d.login.staffOnly')}</p>
      <button type="button" @click=${async () => { await logout(); location.reload(); }}>${t('d.logout')}</button></main>`, $('app'));
    return;
  }
  state.user = user;
  state.org = session.org || null;
  setLanguage(consoleLanguage(user.language));
  const app = $('app');
  app.replaceChildren();
  app.className = 'console';
  for (const [id, tag] of [['bar', 'div'], ['side', 'div'], ['map', 'div'], ['timeline', 'div'], ['detail', 'div']]) {
    const element = document.createElement(tag);
    element.id = id;
    app.append(element);
  }
  $('map').setAttribute('role', 'region');
  state.settings = await get('/api/v1/dispatch/settings');
  await loadFleet();
  state.date = new URLSearchParams(location.search).get('date') || todayIn(timeZone());
  $('map').setAttribute('aria-label', t('d.map'));
  consoleMap = new ConsoleMap($('map'), { tileUrl: state.settings.tile_url, attribution: state.settings.tile_attribution,
    onOrderClick: (orderId) => openOrder(orderId), describeCluster: (count) => tn('d.map.cluster', count),
    // With OSRM on the server, each route's legs are redrawn along the roads once its path arrives.
    loadGeometry: state.settings.road_geometry ? (routeId) => get(`/api/v1/routes/${routeId}/geometry`) : null });
  await loadBoard();
  connectLive();
}

async function boot() {
  setLanguage(consoleLanguage());
  try {
    await start(await me());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) render(loginView(onLogin), $('app'));
    else render(html`<p role="alert">${t('d.error', { message: errorMessage(error) })}</p>`, $('app'));
  }
}

boot();
