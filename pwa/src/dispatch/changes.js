// Changes to planned and driven routes. Every change is previewed (new ETAs, every window or capacity
// violation) before it is confirmed, and confirmed with the route versions it was made on: a stale one
// comes back as a conflict with the fresh route, never as a silent overwrite.
import { ApiError, post } from '../shared/api.js';
import { getMeta } from '../shared/db.js';
import { t } from '../shared/i18n.js';
import { loadBoard } from './actions.js';
import { replaceRoute, routeById, routeName, showError, state, stopById, update } from './store.js';

let dragged = null;

/**
 * A confirming write. Unlike the shared client it keeps the error body: a 409 carries the fresh
 * route in error.route, which the loser of a race must see.
 */
async function write(method, path, json) {
  const token = await getMeta('csrf');
  const headers = { Accept: 'application/json' };
  if (json != null) headers['Content-Type'] = 'application/json';
  if (token) headers['X-CSRF-Token'] = token;
  const body = json != null ? JSON.stringify(json) : undefined;
  const response = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.body = data;
    throw error;
  }
  return data;
}

/** A confirming write for the other modules' changes (placing.js, route actions): errors keep their body. */
export const confirmWrite = write;
const put = (path, json) => write('PUT', path, json);
const confirmPost = (path, json) => write('POST', path, json);

// --- preview and confirm ------------------------------------------------------------------------

function violationText(violation, stopInfo) {
  const values = { sequence: stopInfo.sequence ?? '?', address: stopInfo.address || '', cause: violation.cause,
    minutes: Math.max(1, Math.round((violation.duration || violation.duration_s || 0) / 60)) };
  if (['delay', 'load', 'skills'].includes(violation.cause)) return t(`d.violation.${violation.cause}`, values);
  return t('d.violation.other', values);
}

/** Every violation of the previewed routes, as sentences the dispatcher reads before confirming. */
export function violationsOf(previews) {
  const lines = [];
  for (const preview of previews) {
    for (const stop of preview.stops) {
      const address = stop.address || stopById(stop.stop_id).stop?.order.address || '';
      for (const violation of stop.violations || []) {
        lines.push({ route_id: preview.route_id, stop_id: stop.stop_id, text: violationText(violation, { ...stop, address }) });
      }
    }
    const endLate = (preview.route_violations || []).some((v) => v.cause === 'delay')
      && !preview.stops.some((s) => (s.violations || []).some((v) => v.cause === 'delay'));
    if (endLate) lines.push({ route_id: preview.route_id, stop_id: null, text: t('d.violation.routeDelay') });
  }
  return lines;
}

export function setPending(pending) {
  state.pending = pending;
  state.notice = null;
  update();
  document.querySelector('[data-testid=change-confirm]')?.focus();
}

export async function previewSequence(route, stopIds, title = t('d.change.sequence', { route: routeName(route) })) {
  try {
    const preview = await post(`/api/v1/routes/${route.id}/sequence/preview`, { stop_ids: stopIds });
    setPending({
      title, previews: [preview], routeIds: [route.id],
      confirm: () => put(`/api/v1/routes/${route.id}/sequence`, { stop_ids: stopIds, version: route.version }),
    });
  } catch (error) {
    showError(error);
  }
}

export async function previewMove(stopId, toRouteId, position) {
  const { route: from, stop } = stopById(stopId);
  const to = routeById(toRouteId);
  if (!from || !to) return;
  try {
    const preview = await post(`/api/v1/stops/${stopId}/move/preview`, { to_route_id: toRouteId, position });
    setPending({
      title: t('d.change.move', { address: stop.order.address, from: routeName(from), to: routeName(to) }),
      previews: [preview.from, preview.to], routeIds: [from.id, to.id],
      confirm: () => confirmPost(`/api/v1/stops/${stopId}/move`, {
        to_route_id: toRouteId, position, from_version: from.version, to_version: to.version }),
    });
  } catch (error) {
    showError(error);
  }
}

export async function suggestReoptimization(route) {
  state.busy = true;
  update();
  try {
    const suggestion = await post(`/api/v1/routes/${route.id}/reoptimization`, {});
    setPending({
      title: t('d.change.reoptimize', { route: routeName(route) }), previews: [suggestion.preview], routeIds: [route.id],
      unassigned: suggestion.unassigned.map((u) => ({ address: stopById(u.stop_id).stop?.order.address, reason: u.reason })),
      confirm: () => put(`/api/v1/routes/${route.id}/sequence`, { stop_ids: suggestion.stop_ids, version: suggestion.version }),
    });
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    update();
  }
}

export async function suggestInsertion(order) {
  state.busy = true;
  update();
  try {
    const suggestion = await post(`/api/v1/orders/${order.id}/insertion`, {});
    if (!suggestion.route_id) {
      state.notice = { kind: 'error', text: `${order.external_ref}: ${t(`d.reason.${suggestion.reason}`)}` };
      return;
    }
    const route = routeById(suggestion.route_id);
    setPending({
      title: t('d.change.insert', { ref: order.external_ref, route: routeName(route), position: suggestion.position }),
      previews: [suggestion.preview], routeIds: [suggestion.route_id],
      confirm: () => confirmPost(`/api/v1/routes/${suggestion.route_id}/stops`, {
        order_id: order.id, position: suggestion.position, version: suggestion.version }),
    });
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    update();
  }
}

export async function suggestRedistribution(route) {
  state.busy = true;
  update();
  try {
    const plan = await post(`/api/v1/routes/${route.id}/redistribution`, {});
    setPending({
      title: t('d.change.redistribute', { route: routeName(route) }), previews: [], routeIds: plan.versions.map((v) => v.route_id),
      moves: plan.moves.map((m) => t('d.change.moveLine', { address: m.address, driver: m.driver?.name || '—', position: m.position })),
      unassigned: plan.unassigned,
      confirm: () => confirmPost(`/api/v1/routes/${route.id}/redistribute`, {
        moves: plan.moves.map(({ stop_id: stopId, to_route_id: toRouteId, position }) => ({ stop_id: stopId, to_route_id: toRouteId, position })),
        versions: plan.versions }),
      empty: !plan.moves.length,
    });
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    update();
  }
}

export async function confirmPending() {
  const pending = state.pending;
  if (!pending || state.busy) return;
  state.busy = true;
  update();
  try {
    await pending.confirm();
    state.pending = null;
    state.notice = { kind: 'ok', text: t('d.change.saved') };
    await loadBoard();
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.code === 'version_conflict') {
      // The loser of a race sees why, and the route as it is now; nothing of theirs was applied.
      // An RFC 9457 problem carries the fresh route as an extension member (older servers: error.route).
      const fresh = error.body?.route ?? error.body?.error?.route;
      if (fresh) replaceRoute(fresh);
      state.pending = null;
      state.notice = { kind: 'conflict', text: t('d.conflict', { version: fresh?.version ?? '?' }) };
      loadBoard().catch(showError);
    } else {
      showError(error);
    }
  } finally {
    state.busy = false;
    update();
  }
}

// --- drag and drop, and the keyboard way to do the same -----------------------------------------

function orderWithout(route, stopId) {
  return [...route.stops].sort((a, b) => a.sequence - b.sequence).map((s) => s.id).filter((id) => id !== stopId);
}

/** Dropping a stop on another stop puts it just before that one (in that stop's route). */
function dropBefore(stopId, targetRouteId, beforeStopId) {
  const { route: from } = stopById(stopId);
  const target = routeById(targetRouteId);
  if (!from || !target || stopId === beforeStopId) return;
  const ids = orderWithout(target, stopId);
  const index = beforeStopId == null ? ids.length : ids.indexOf(beforeStopId);
  if (from.id === target.id) {
    ids.splice(index < 0 ? ids.length : index, 0, stopId);
    previewSequence(target, ids);
  } else {
    previewMove(stopId, target.id, index < 0 ? null : index + 1);
  }
}

export function draggedStopId() {
  return dragged;
}

export function onDragStart(event, stop) {
  dragged = stop.id;
  document.body.classList.add('dragging-stop'); // every route's line shows it takes a drop
  event.dataTransfer.effectAllowed = 'move';
  event.dataTransfer.setData('text/plain', String(stop.id));
}

export function onDragOver(event) {
  event.preventDefault();
  event.dataTransfer.dropEffect = 'move';
}

export function onDrop(event, routeId, beforeStopId) {
  event.preventDefault();
  event.stopPropagation();
  const stopId = Number(event.dataTransfer.getData('text/plain')) || dragged;
  dragged = null;
  document.body.classList.remove('dragging-stop');
  if (stopId) dropBefore(stopId, routeId, beforeStopId);
}

export function onStopKey(event, route, stop) {
  if (!event.altKey || !['ArrowUp', 'ArrowDown'].includes(event.key)) return;
  event.preventDefault();
  const ids = [...route.stops].sort((a, b) => a.sequence - b.sequence).map((s) => s.id);
  const index = ids.indexOf(stop.id);
  const target = event.key === 'ArrowUp' ? index - 1 : index + 1;
  if (target < 0 || target >= ids.length) return;
  [ids[index], ids[target]] = [ids[target], ids[index]];
  previewSequence(route, ids);
}
