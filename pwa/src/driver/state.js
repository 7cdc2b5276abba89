// Pure functions over route snapshots: no DOM, no IndexedDB, easy to reason about.
import { t } from '../shared/i18n.js';

const OPEN_STATUSES = new Set(['pending', 'arrived']);

export function sortedStops(route) {
  return [...(route?.stops || [])].sort((a, b) => a.sequence - b.sequence);
}

/** Still to do. A stop whose order dispatch cancelled is not, whatever the stop's own status says. */
function isOpen(stop) {
  return OPEN_STATUSES.has(stop.status) && stop.order?.status !== 'cancelled';
}

/** The stop the driver should do next: the first one, in planned order, that is not finished. */
export function nextStop(route) {
  return sortedStops(route).find(isOpen) || null;
}

export function isDone(stop) {
  return !isOpen(stop);
}

/** What the stop's badge says: its own status, or that its order was cancelled. */
export function shownStatus(stop) {
  return stop.order?.status === 'cancelled' && OPEN_STATUSES.has(stop.status) ? 'cancelled' : stop.status;
}

/**
 * The route as the driver should see it: the server's snapshot with the writes still waiting in the
 * outbox applied on top, so work done offline shows at once and survives a reload.
 */
export function applyPending(snapshot, entries) {
  if (!snapshot) return null;
  const route = structuredClone(snapshot);
  const stopsById = new Map(route.stops.map((stop) => [stop.id, stop]));
  for (const entry of entries) {
    if (entry.kind !== 'action' || entry.body.route_id !== route.id) continue;
    const { type, at, stop_id: stopId, data = {} } = entry.body;
    const stop = stopsById.get(stopId);
    switch (type) {
      case 'route.start':
        if (route.status === 'published' || route.status === 'draft') route.status = 'in_progress';
        break;
      case 'route.end':
        route.status = 'completed';
        route.on_break = false;
        break;
      case 'break.start':
        route.on_break = true;
        break;
      case 'break.end':
        route.on_break = false;
        break;
      case 'parcel.load':
        for (const each of route.stops) {
          for (const parcel of each.order.parcels || []) {
            if (parcel.barcode === data.barcode && !parcel.loaded_at) parcel.loaded_at = at;
          }
        }
        break;
      case 'stop.arrive':
        if (stop && stop.status === 'pending') {
          stop.status = 'arrived';
          stop.actual_arrival_at = at;
        }
        break;
      case 'stop.complete':
        if (stop && OPEN_STATUSES.has(stop.status)) {
          stop.status = 'completed';
          stop.actual_departure_at = at;
          stop.actual_arrival_at ||= at;
          for (const parcel of stop.order.parcels || []) parcel.delivered_at ||= at;
        }
        break;
      case 'stop.fail':
        if (stop && OPEN_STATUSES.has(stop.status)) {
          stop.status = 'failed';
          stop.actual_departure_at = at;
        }
        break;
      default:
        break;
    }
  }
  return route;
}

export function parcelsOf(route) {
  return sortedStops(route).flatMap((stop) => (stop.order.parcels || []).map((parcel) => ({ ...parcel, stop })));
}

// Changes the dispatcher makes to a route; the driver's own actions come back as route.updated too
// (started, break, loaded, completed, updated) and need no announcement.
const DISPATCHER_CHANGES = new Set(['resequenced', 'reassigned', 'added', 'removed']);
const ORDER_FIELDS = ['address', 'time_windows', 'notes', 'delivery_instructions', 'recipient', 'cod_amount_cents'];

function orderEdited(before, after) {
  return Boolean(before && after) && ORDER_FIELDS.some((field) =>
    JSON.stringify(before.order[field]) !== JSON.stringify(after.order[field]));
}

/**
 * Tell the driver, in one sentence, what the dispatcher changed; null when nothing they need to know
 * (their own action coming back, or a change of version only).
 */
export function describeChange(previous, next, change) {
  const byId = new Map([...(previous?.stops || []), ...(next?.stops || [])].map((stop) => [stop.id, stop]));
  const addressOf = (stopId) => change?.address || byId.get(stopId)?.order?.address || '';
  if (change && change.kind) {
    const address = addressOf(change.stop_id);
    if (change.kind === 'updated') {
      const before = previous?.stops.find((stop) => stop.id === change.stop_id);
      const after = next?.stops.find((stop) => stop.id === change.stop_id);
      return orderEdited(before, after) ? t('change.updated', { address }) : null;
    }
    if (!DISPATCHER_CHANGES.has(change.kind)) return null;
    if (change.kind === 'resequenced') {
      const to = change.to_sequence ?? next?.stops.find((stop) => stop.id === change.stop_id)?.sequence;
      if (address && to != null) return t('change.resequenced', { address, to });
      return diffDescription(previous, next) || t('change.generic');
    }
    return address ? t(`change.${change.kind}`, { address }) : t('change.generic');
  }
  return diffDescription(previous, next);
}

function diffDescription(previous, next) {
  if (!previous || !next) return null;
  if (previous.id !== next.id) return t('change.generic');
  const before = new Map(previous.stops.map((stop) => [stop.id, stop]));
  const after = new Map(next.stops.map((stop) => [stop.id, stop]));
  const added = next.stops.find((stop) => !before.has(stop.id));
  if (added) return t('change.added', { address: added.order.address });
  const removed = previous.stops.find((stop) => !after.has(stop.id));
  if (removed) return t('change.removed', { address: removed.order.address });
  // Moving one stop shifts its neighbours by one; the moved stop is the one that jumped farthest.
  let moved = null;
  let farthest = 0;
  for (const stop of next.stops) {
    const jump = Math.abs(stop.sequence - before.get(stop.id).sequence);
    if (jump > farthest) {
      farthest = jump;
      moved = stop;
    }
  }
  if (moved) return t('change.resequenced', { address: moved.order.address, to: moved.sequence });
  const edited = next.stops.find((stop) => orderEdited(before.get(stop.id), stop));
  return edited ? t('change.updated', { address: edited.order.address }) : null;
}

/** Links that hand the stop over to a navigation app in one tap. */
export function navigationLinks(stop) {
  const { lat, lon, address } = stop.order;
  const destination = `${lat},${lon}`;
  return {
    geo: `geo:${destination}?q=${destination}(${encodeURIComponent(address || '')})`,
    google: `https://www.google.com/maps/dir/?api=1&destination=${destination}&travelmode=driving`,
    apple: `https://maps.apple.com/?daddr=${destination}&dirflg=d`,
    waze: `https://waze.com/ul?ll=${destination}&navigate=yes`,
  };
}

export function distanceMetres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(h));
}
