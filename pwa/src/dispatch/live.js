// The console's live feed: route changes, ETAs, alerts, drivers' positions and job progress arrive on
// the shared socket; every (re)connection reloads the board, so nothing missed while away stays missed.
import { get } from '../shared/api.js';
import { t } from '../shared/i18n.js';
import { connectSocket } from '../shared/socket.js';
import { jobChanged, refreshRouteSoon, reloadSoon } from './actions.js';
import { loadUnmatched, onCustomerAlert } from './conversation.js';
import { lateRouteText } from './lateness.js';
import { addFeed, replaceRoute, routeById, routeName, state, time, update, updateDrivers } from './store.js';

async function feedFromChange(route, change) {
  const driver = route.driver?.name || t('d.route.noDriver');
  if (!change?.kind) return;
  const stop = change.stop_id ? route.stops.find((s) => s.id === change.stop_id) : null;
  if (change.kind === 'updated' && stop) {
    const address = stop.order.address;
    if (stop.status === 'completed') addFeed(t('d.feed.delivered', { driver, address }), 'ok', stop.order.id);
    else if (stop.status === 'arrived') addFeed(t('d.feed.arrived', { driver, address }), 'info', stop.order.id);
    else if (stop.status === 'failed') {
      let reason = '';
      try {
        reason = (await get(`/api/v1/orders/${stop.order.id}`)).failure_reason || '';
      } catch { /* the reason is a detail: the failure itself is still reported */ }
      addFeed(t('d.feed.failed', { driver, address, reason: reason ? t(`fail.reason.${reason}`) : '?' }), 'bad',
        stop.order.id);
    }
  } else if (change.kind === 'started') addFeed(t('d.feed.started', { driver }));
  else if (change.kind === 'completed') addFeed(t('d.feed.completed', { driver }));
  else if (!['created', 'break', 'updated'].includes(change.kind)) {
    const key = `d.kind.${change.kind}`;
    const kind = t(key) === key ? change.kind : t(key);
    addFeed(t('d.feed.changed', { driver, kind: change.address ? `${kind}: ${change.address}` : kind }));
  }
}

/** A route's late-risk line loses the stops finished since its alert (updated in place; gone when none is left). */
function refreshLateLine(route) {
  const alert = state.lateRoutes.get(route.id);
  if (!alert) return;
  const pending = new Set(route.stops.filter((s) => s.status === 'pending').map((s) => s.id));
  const stops = alert.stops.filter((s) => pending.has(s.stop_id));
  if (stops.length === alert.stops.length) return;
  const updated = { ...alert, stops, count: stops.length };
  state.lateRoutes.set(route.id, updated);
  const line = state.feed.find((item) => item.key === `late:${route.id}`);
  if (!line) return;
  if (!stops.length) state.feed = state.feed.filter((item) => item !== line);
  else line.text = lateRouteText(updated, alert.driver?.name || routeName(route), time);
}

export function connectLive() {
  const socket = connectSocket({
    onConnect: () => { state.connected = true; update(); reloadSoon(); loadUnmatched(); },
    onDisconnect: () => { state.connected = false; update(); },
  });
  socket.on('route.updated', async ({ route, change }) => {
    const known = Boolean(routeById(route.id));
    replaceRoute(route);
    refreshLateLine(route);
    await feedFromChange(route, change);
    update();
    // Its summary (km, load, pace) comes with the route alone; the whole board only when orders may have
    // left or joined the unplanned list, or a route appeared.
    if (!known || ['removed', 'unpublished', 'created'].includes(change?.kind)) reloadSoon();
    else refreshRouteSoon(route.id);
  });
  socket.on('route.deleted', () => reloadSoon());
  socket.on('eta.updated', (payload) => {
    const route = routeById(payload.route_id);
    if (!route) return;
    for (const item of payload.stops || []) {
      const stop = route.stops.find((s) => s.id === item.stop_id);
      if (stop) stop.eta_at = item.eta;
    }
    update();
  });
  socket.on('alert', (alert) => {
    if (alert.kind === 'late_risk') {
      state.lateRoutes.set(alert.route_id, alert);
      const driver = alert.driver?.name || routeName(routeById(alert.route_id) || { id: alert.route_id });
      addFeed(lateRouteText(alert, driver, time), 'bad', alert.stops?.[0]?.order_id ?? null, `late:${alert.route_id}`);
    } else if (alert.kind === 'driver_conflict') {
      addFeed(t('d.feed.conflict', { message: alert.message }), 'bad');
    } else {
      onCustomerAlert(alert);
    }
    update();
  });
  const onPositions = (positions) => {
    for (const position of positions) {
      if (position?.driver_id == null) continue;
      state.positions.set(position.driver_id, position);
      state.movedDrivers.add(position.driver_id);
    }
    updateDrivers(); // only the badges move: a thousand drivers must not redraw the routes
  };
  // One position at a time, or the latest of each driver coalesced per tick by the server.
  socket.on('driver.location', (position) => onPositions([position]));
  socket.on('driver.locations', (batch) => onPositions(batch?.items || []));
  socket.on('job.progress', (job) => {
    if (state.job && job.id === state.job.id) jobChanged(job);
    if (state.imports.job && job.id === state.imports.job.id) state.imports.job = job;
  });
}
