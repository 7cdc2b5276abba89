// Pure functions over route snapshots: no DOM, no IndexedDB, easy to reason about.
import { language, t } from '../shared/i18n.js';
import { ordinal } from './messages.js';

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
  // The server closes a cancelled order's stop as skipped; the driver reads why.
  const closedByCancel = OPEN_STATUSES.has(stop.status) || stop.status === 'skipped';
  return stop.order?.status === 'cancelled' && closedByCancel ? 'cancelled' : stop.status;
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

/**
 * The parcels the van leaves the depot with (the load check): not those of an order collected on the way (a
 * return, or a pickup-then-delivery pair whose two stops would otherwise count its parcels twice).
 */
export function parcelsOf(route) {
  const stops = sortedStops(route);
  const collected = new Set(stops.filter((stop) => stop.kind === 'pickup').map((stop) => stop.order.id));
  return stops.filter((stop) => !collected.has(stop.order.id))
    .flatMap((stop) => (stop.order.parcels || []).map((parcel) => ({ ...parcel, stop })));
}

// Changes the dispatcher makes to a route; the driver's own actions come back as route.updated too
// (started, break, loaded, completed, updated) and need no announcement.
const DISPATCHER_CHANGES = new Set(['resequenced', 'reassigned', 'added', 'removed', 'cancelled']);
const ORDER_FIELDS = ['address', 'time_windows', 'notes', 'delivery_instructions', 'recipient', 'cod_amount_cents'];
const QUOTE_LENGTH = 160;

function quote(text) {
  const clean = String(text || '').replace(/\s+/g, ' ').trim();
  return clean.length > QUOTE_LENGTH ? `${clean.slice(0, QUOTE_LENGTH - 1)}…` : clean;
}

// The HTTP answer and the socket event may write the same instant differently ("Z" or "+00:00").
const comparable = (field, value) => (field === 'time_windows'
  ? JSON.stringify((value || []).map((window) => [Date.parse(window.start), Date.parse(window.end)]))
  : JSON.stringify(value));

function changedField(before, after) {
  if (!before || !after) return null;
  return ORDER_FIELDS.find((field) => comparable(field, before.order[field]) !== comparable(field, after.order[field])) || null;
}

/** One sentence naming the stop and what changed on it (its instructions, window, note, address). */
function editDescription(before, after, { by, windowText, field = changedField(before, after) }) {
  if (!after) return null;
  const sequence = after.sequence;
  const order = after.order;
  switch (field) {
    case null:
      return null;
    case 'delivery_instructions':
      if (!order.delivery_instructions) return t('change.instructionsCleared', { sequence });
      return t(by === 'customer' ? 'change.instructionsCustomer' : 'change.instructionsDispatch',
        { sequence, text: quote(order.delivery_instructions) });
    case 'time_windows':
      return t('change.window', { sequence, window: windowText(order) });
    case 'notes':
      return order.notes ? t('change.notes', { sequence, text: quote(order.notes) }) : t('change.updatedStop', { sequence, address: order.address });
    case 'address':
      return t('change.address', { sequence, address: order.address });
    default:
      return t('change.updatedStop', { sequence, address: order.address });
  }
}

function movedDescription(address, from, to) {
  if (from != null && from !== to) return t('change.moved', { from, nth: ordinal(to, language()), address });
  return t('change.movedTo', { to, address });
}

/**
 * Tell the driver, in one sentence, what changed on their route and at which stop; null when nothing they
 * need to know (their own action coming back, or a change of version only). `windowText(order)` formats a
 * stop's time window for the sentence.
 */
export function describeChange(previous, next, change, { windowText = () => '' } = {}) {
  const beforeOf = (stopId) => previous?.stops.find((stop) => stop.id === stopId);
  const afterOf = (stopId) => next?.stops.find((stop) => stop.id === stopId);
  if (change && change.kind) {
    const before = beforeOf(change.stop_id);
    const after = afterOf(change.stop_id);
    const address = change.address || after?.order?.address || before?.order?.address || '';
    if (change.kind === 'instructions') {
      return editDescription(before, after, { by: change.by, windowText, field: 'delivery_instructions' });
    }
    if (change.kind === 'updated') return editDescription(before, after, { by: change.by, windowText });
    if (!DISPATCHER_CHANGES.has(change.kind)) return null;
    if (change.kind === 'resequenced') {
      const to = change.to_sequence ?? after?.sequence;
      if (address && to != null) return movedDescription(address, change.from_sequence ?? before?.sequence, to);
      return diffDescription(previous, next, windowText) || t('change.generic');
    }
    if (change.kind === 'added' && address && after) return t('change.addedAt', { sequence: after.sequence, address });
    if (change.kind === 'removed' && address && before) return t('change.removedStop', { sequence: before.sequence, address });
    if (change.kind === 'cancelled' && address) {
      return t('change.cancelledStop', { sequence: change.sequence ?? after?.sequence ?? before?.sequence, address });
    }
    return address ? t(`change.${change.kind}`, { address }) : t('change.generic');
  }
  return diffDescription(previous, next, windowText);
}

function diffDescription(previous, next, windowText) {
  if (!previous || !next) return null;
  if (previous.id !== next.id) return t('change.generic');
  const before = new Map(previous.stops.map((stop) => [stop.id, stop]));
  const after = new Map(next.stops.map((stop) => [stop.id, stop]));
  const added = next.stops.find((stop) => !before.has(stop.id));
  if (added) return t('change.addedAt', { sequence: added.sequence, address: added.order.address });
  const removed = previous.stops.find((stop) => !after.has(stop.id));
  if (removed) return t('change.removedStop', { sequence: removed.sequence, address: removed.order.address });
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
  if (moved) return movedDescription(moved.order.address, before.get(moved.id).sequence, moved.sequence);
  const edited = next.stops.find((stop) => changedField(before.get(stop.id), stop));
  return edited ? editDescription(before.get(edited.id), edited, { by: null, windowText }) : null;
}

/**
 * Is this open stop late? 'window' when its last window has already ended, 'eta' when the live ETA (or the
 * planned arrival) falls after it; null when on time, done, or without a window.
 */
export function lateness(stop, now = Date.now()) {
  if (isDone(stop)) return null;
  const windows = stop.order.time_windows || [];
  if (!windows.length) return null;
  const end = Math.max(...windows.map((window) => Date.parse(window.end)));
  if (!Number.isFinite(end)) return null;
  if (now > end) return { kind: 'window', end };
  const eta = Date.parse(stop.eta_at || stop.planned_arrival_at || '');
  if (Number.isFinite(eta) && eta > end) return { kind: 'eta', end, eta };
  return null;
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
