// What the console does with the server: load the day, import orders, optimize, publish, open an order.
// Changes to driven routes (preview, confirm, conflicts) are in changes.js; live events in live.js.
import { get, post, request } from '../shared/api.js';
import { replaceRoute, showError, state, update } from './store.js';

let reloadTimer = null;

// --- loading --------------------------------------------------------------------------------------

export async function loadBoard() {
  const query = new URLSearchParams({ date: state.date });
  if (state.depotId) query.set('depot_id', state.depotId);
  const board = await get(`/api/v1/dispatch/board?${query}`);
  state.board = board;
  for (const position of board.positions) {
    state.positions.set(position.driver_id, position);
    state.movedDrivers.add(position.driver_id);
  }
  update();
}

const routeTimers = new Map();

/**
 * One route changed: fetch it alone (with its summary) shortly after, not the whole day's board. A day of
 * 2,000 stops is megabytes of board; a route is a few kilobytes, and its drivers change it all day.
 */
export function refreshRouteSoon(routeId) {
  clearTimeout(routeTimers.get(routeId));
  routeTimers.set(routeId, setTimeout(async () => {
    routeTimers.delete(routeId);
    try {
      const fresh = await get(`/api/v1/routes/${routeId}`);
      const index = state.board.routes.findIndex((r) => r.id === routeId);
      if (index >= 0 && state.board.routes[index].version <= fresh.version) state.board.routes[index] = fresh;
      update();
    } catch (error) {
      if (error?.status === 404) reloadSoon(); // gone meanwhile: the board says what became of its orders
      else showError(error);
    }
  }, 400));
}

export function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadBoard().catch(showError), 400);
}

export async function loadFleet() {
  const [depots, drivers, vehicles] = await Promise.all([
    get('/api/v1/depots?per_page=500'), get('/api/v1/drivers?per_page=500'), get('/api/v1/vehicles?per_page=500')]);
  state.depots = depots.items;
  state.drivers = drivers.items.filter((d) => d.active);
  state.vehicles = vehicles.items;
  state.depotId = state.depotId || state.depots[0]?.id || null;
  state.selectedDrivers = new Set(state.drivers.filter((d) => !d.depot_id || d.depot_id === state.depotId).map((d) => d.id));
}

// --- planning: import, optimize, publish ----------------------------------------------------------

export async function waitForJob(jobId, onUpdate) {
  for (;;) {
    const job = await get(`/api/v1/jobs/${jobId}`);
    onUpdate?.(job);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

export async function runImport(dryRun) {
  const { file } = state.imports;
  if (!file) return;
  state.imports.busy = true;
  state.imports.result = null;
  update();
  try {
    const form = new FormData();
    form.append('file', file);
    const query = new URLSearchParams({ dry_run: String(dryRun), skip_invalid: String(state.imports.skipInvalid) });
    if (state.depotId) query.set('depot_id', state.depotId);
    const job = await request('POST', `/api/v1/orders/import?${query}`, { form });
    state.imports.job = job;
    const done = await waitForJob(job.id);
    state.imports.result = { ...(done.result || {}), dryRun, failed: done.status !== 'succeeded' ? done.error : null };
    if (!dryRun) await loadBoard();
  } catch (error) {
    showError(error);
  } finally {
    state.imports.busy = false;
    update();
  }
}

export function jobChanged(job) {
  const previous = state.job;
  state.job = job;
  if (job.status === 'succeeded' && previous?.status !== 'succeeded') {
    state.unassigned = job.result?.unassigned || [];
    state.planResult = job.result || null;
    loadBoard().catch(showError);
  }
  update();
}

export async function optimize() {
  state.unassigned = [];
  state.planResult = null;
  state.notice = null;
  try {
    const job = await post('/api/v1/optimizations', {
      date: state.date, depot_id: state.depotId, driver_ids: [...state.selectedDrivers],
      time_limit_s: Number(state.timeLimit) || 10,
    });
    jobChanged(job);
    // The socket brings progress; polling is the safety net when an event is missed.
    waitForJob(job.id, (fresh) => {
      if (state.job?.id === fresh.id && (fresh.status !== state.job.status || fresh.progress >= state.job.progress)) {
        jobChanged(fresh);
      }
    }).catch(showError);
  } catch (error) {
    showError(error);
  }
}

/** The optimizer plans each driver with their van: choosing one here makes it the driver's van. */
export async function assignVehicle(driver, vehicleId) {
  try {
    const saved = await request('PATCH', `/api/v1/drivers/${driver.id}`, { json: { default_vehicle_id: vehicleId } });
    Object.assign(driver, { default_vehicle_id: saved.default_vehicle_id });
  } catch (error) {
    showError(error);
  }
  update();
}

export async function stopOptimization() {
  if (!state.job) return;
  try {
    jobChanged(await post(`/api/v1/jobs/${state.job.id}/cancel`, {}));
  } catch (error) {
    showError(error);
  }
}

export async function publish(routeIds) {
  try {
    for (const id of routeIds) replaceRoute(await post(`/api/v1/routes/${id}/publish`, {}));
    await loadBoard();
  } catch (error) {
    showError(error);
  }
}

// --- order detail -------------------------------------------------------------------------------

export async function openOrder(orderId) {
  state.order = { id: orderId, loading: true };
  update();
  const [order, events, proofs, notifications] = await Promise.all([
    get(`/api/v1/orders/${orderId}`), get(`/api/v1/orders/${orderId}/events`).catch(() => []),
    get(`/api/v1/orders/${orderId}/proofs`).catch(() => []),
    get(`/api/v1/orders/${orderId}/notifications`).catch(() => null),
  ]).catch((error) => { showError(error); return []; });
  if (!order) { state.order = null; update(); return; }
  state.order = { id: orderId, order, events, proofs, notifications };
  update();
  document.querySelector('[data-testid=order-close]')?.focus();
}
