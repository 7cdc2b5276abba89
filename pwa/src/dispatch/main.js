// The dispatcher console: plan a day, watch it live, and change routes while they are driven.
// state and what derives from it: store.js; what it does: actions.js (loading, planning), changes.js
// (previewed, versioned changes), live.js (the socket); what it shows: views/. This file starts it and
// draws the views and the map from the state on every update().
import { html, nothing, render } from 'lit-html';
import { ApiError, get, login, logout, me } from '../shared/api.js';
import { browserLanguages, setLanguage, supportedLanguage, t } from '../shared/i18n.js';
import { todayIn } from '../shared/time.js';
// Analytics tab: a tiny static hook; the dashboard and its chart library load on the tab's first opening.
import { showAnalytics } from '../analytics/entry.js';
import { loadBoard, loadFleet, openOrder } from './actions.js';
import { colourOf } from './colours.js';
import { connectLive } from './live.js';
import { ConsoleMap } from './map.js';
import { mergeLatenessMessages } from './lateness.js';
import { mergePublishingMessages, publishAskView } from './publishing.js';
import { mergeMessages } from './messages.js';
import { mergeOrderMessages } from './orders/messages.js';
import { mergeNotificationMessages } from './orders/notifications.js';
import './orders/orders.css';
import {
  $, LANGUAGE_KEY, STAFF, atRiskStops, driverName, errorMessage, setRenderer, showError, state, timeZone,
} from './store.js';
import { barView, loginView, noticeView, orderView, panelView, tabsView } from './views/console.js';
import { pendingView, routesView } from './views/routes.js';
import './styles.css';

mergeMessages();
mergeLatenessMessages();
mergePublishingMessages();
mergeOrderMessages();
mergeNotificationMessages();

let consoleMap = null;

function drawDriver(position) {
  const index = state.board.routes.findIndex((r) => r.driver?.id === position.driver_id);
  consoleMap?.moveDriver(position, driverName(position.driver_id), index >= 0 ? colourOf(index) : null);
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
  render(barView(), $('bar'));
  render(html`${noticeView()}${publishAskView()}${pendingView()}${tabsView()}<div id="panel" role="tabpanel" aria-labelledby="tab-${state.tab}">${panelView()}</div>${analytics || orders ? nothing : routesView()}`, $('side'));
  if (analytics) {
    showAnalytics($('analytics-root'), { user: state.user, depots: state.depots, date: state.date, settings: state.settings })
      .catch(showError);
  }
  render(orderView(), $('detail'));
  if (consoleMap) {
    const depot = state.depots.find((d) => d.id === state.depotId);
    consoleMap.draw({ routes: state.board.routes, unplanned: state.board.unplanned, depot, atRisk: atRiskStops(),
      key: `${state.date}|${state.depotId}` });
    for (const position of state.positions.values()) drawDriver(position);
  }
}

setRenderer(update);

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
  setLanguage(consoleLanguage(user.language));
  const app = $('app');
  app.replaceChildren();
  app.className = 'console';
  for (const [id, tag] of [['bar', 'div'], ['side', 'div'], ['map', 'div'], ['detail', 'div']]) {
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
    onOrderClick: (orderId) => openOrder(orderId),
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
