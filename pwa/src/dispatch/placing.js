// Putting a stop on another route from anywhere in the list: dropped on a route's line (folded or not) or
// chosen in "Move to…", it goes where it costs least on that route (the server's cheapest feasible insertion);
// chosen for a driver who has no route yet, it starts a new draft route for them. Every way ends in the
// usual preview the dispatcher confirms (changes.js).
import { ApiError, post } from '../shared/api.js';
import { t } from '../shared/i18n.js';
import { confirmWrite, draggedStopId, previewMove, setPending } from './changes.js';
import { routeById, routeName, showError, state, stopById, update } from './store.js';

/** Active drivers of the shown depot (or of none) who have no route on the shown day. */
export function driversWithoutRoute() {
  const busy = new Set(state.board.routes.map((r) => r.driver?.id).filter(Boolean));
  return state.drivers.filter((d) => !busy.has(d.id) && (!d.depot_id || !state.depotId || d.depot_id === state.depotId));
}

/** The cheapest feasible position for a stop on a route, asked of the server; null (the end) when it has none. */
export async function bestPosition(stopId, routeId) {
  try {
    const answer = await post(`/api/v1/stops/${stopId}/placement`, { to_route_id: routeId });
    return answer.position ?? null;
  } catch (error) {
    if (error instanceof ApiError && error.status < 500 && error.status !== 404) throw error;
    return null; // no suggestion: the end of the route, which the preview then judges
  }
}

export async function moveToBestPlace(stopId, routeId) {
  const { route: from } = stopById(stopId);
  if (!from || from.id === routeId) return;
  state.busy = true;
  update();
  try {
    await previewMove(stopId, routeId, await bestPosition(stopId, routeId));
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    update();
  }
}

/** A driver without a route gets a new draft route holding this stop (published when the dispatcher says so). */
export function moveToNewRoute(stopId, driverId) {
  const { route: from, stop } = stopById(stopId);
  const driver = state.drivers.find((d) => d.id === driverId);
  if (!from || !driver) return;
  const name = driver.user?.name || `#${driver.id}`;
  setPending({
    title: t('d.move.newRoute', { address: stop.order.address, from: routeName(from), driver: name }),
    previews: [], routeIds: [from.id], moves: [t('d.move.newRouteNote', { driver: name })],
    confirm: () => confirmWrite('POST', `/api/v1/stops/${stopId}/new-route`, { driver_id: driverId,
      from_version: from.version }),
  });
}

// --- dropping on a route's line ---------------------------------------------------------------------

export function onDragEnter(event) {
  event.currentTarget.classList.add('drop-over');
}

export function onDragLeave(event) {
  if (!event.currentTarget.contains(event.relatedTarget)) event.currentTarget.classList.remove('drop-over');
}

export function onDropOnRoute(event, routeId) {
  event.preventDefault();
  event.stopPropagation();
  event.currentTarget.classList.remove('drop-over');
  const stopId = Number(event.dataTransfer.getData('text/plain')) || draggedStopId();
  onDragEnd();
  const { route: from } = stopById(stopId);
  if (!stopId || !from) return;
  if (from.id === routeId) return; // its own line: nothing moves
  if (!routeById(routeId)) return;
  moveToBestPlace(stopId, routeId);
}

export function onDragEnd() {
  document.body.classList.remove('dragging-stop');
  for (const element of document.querySelectorAll('.drop-over')) element.classList.remove('drop-over');
}

const EDGE = 48; // px from the list's top or bottom where a drag scrolls it

/** A drag near the top or bottom of the side column scrolls it, so any route can be reached. */
export function autoScroll(event) {
  const side = document.getElementById('side');
  if (!side || !document.body.classList.contains('dragging-stop')) return;
  const box = side.getBoundingClientRect();
  if (event.clientY < box.top + EDGE) side.scrollTop -= 24;
  else if (event.clientY > box.bottom - EDGE) side.scrollTop += 24;
}
