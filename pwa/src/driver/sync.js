// The route and the outbox: what the server last sent (kept in IndexedDB), the driver's writes waiting
// on top of it, and the replay that sends them oldest first.
import * as api from '../shared/api.js';
import { ApiError, NetworkError } from '../shared/api.js';
import { getSnapshot, saveSnapshot, setMeta } from '../shared/db.js';
import { enqueue, newKey, replay } from '../shared/outbox.js';
import { serverNow } from '../shared/socket.js';
import { windowRange } from './format.js';
import { describeChange } from './state.js';
import {
  addNotice, currentRoute, locationSharing, refreshQueue, state, stopSocket, update,
} from './store.js';

export async function adoptSnapshot(route, change) {
  const previous = currentRoute();
  const saved = await saveSnapshot(route);
  if (saved !== route) return; // an older version than the one we have
  state.snapshot = route;
  if (change !== undefined && previous) {
    const text = describeChange(previous, currentRoute(), change, { windowText: windowRange });
    if (text) addNotice(text);
    if (change?.kind === 'instructions' && change.stop_id) state.freshInstructions.add(change.stop_id);
  }
  update();
}

export async function loadRoute() {
  try {
    const route = await api.get('/api/v1/driver/route');
    await adoptSnapshot(route);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      // No route today (or the endpoint is not there yet): forget yesterday's cached route.
      await saveSnapshot(null);
      state.snapshot = null;
    } else if (error instanceof ApiError && error.status === 401) {
      await endSession();
    } else if (!(error instanceof NetworkError)) {
      state.error = error.message;
    }
  }
  update();
}

let syncAgain = false;
// Passing server trouble (5xx, timeouts, a server down while the phone is online) is retried on its
// own, waiting longer each time; going offline and back is covered by the `online` event instead.
const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 60000;
let retryDelay = 0;
let retryTimer = null;

function retryLater() {
  if (retryTimer) return;
  retryDelay = Math.min(RETRY_MAX_MS, retryDelay ? retryDelay * 2 : RETRY_FIRST_MS);
  retryTimer = setTimeout(() => {
    retryTimer = null;
    sync();
  }, retryDelay);
}

function isPassing(error) {
  return error instanceof NetworkError || (error instanceof ApiError && error.retryable);
}

export async function sync() {
  if (state.syncing) {
    syncAgain = true;
    return;
  }
  state.syncing = true;
  update();
  let renewals = 0;
  let result = null;
  try {
    do {
      syncAgain = false;
      result = await replay();
      // Conflicts are parked by replay() and shown from there (views/parked.js), in the driver's language.
      const saved = await getSnapshot();
      if (saved) state.snapshot = saved;
      if (result.stoppedBy instanceof ApiError && result.stoppedBy.needsLogin && renewals < 1) {
        // A stale CSRF token is renewed by /auth/me and the replay goes on; an ended session shows login.
        renewals += 1;
        await renewSession();
        syncAgain = Boolean(state.session);
      }
    } while (syncAgain);
  } finally {
    state.syncing = false;
    if (result && isPassing(result.stoppedBy) && navigator.onLine) retryLater();
    else if (result && !result.stoppedBy) retryDelay = 0;
    await refreshQueue();
  }
}

export async function renewSession() {
  try {
    state.session = await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) state.session = null;
  }
}

export async function endSession() {
  stopSocket();
  state.session = null;
  await setMeta('session', null);
  update();
}

/** Record one driver action: outbox first (with its photos), screen at once, server when reachable. */
export async function act(type, { stop = null, data = {}, uploads = [], photoRefs, signatureRef } = {}) {
  const fix = locationSharing.lastFix;
  const body = {
    idempotency_key: newKey(),
    type,
    at: serverNow(),
    route_id: state.snapshot.id,
    data,
  };
  if (stop) body.stop_id = stop.id;
  if (fix) Object.assign(body, { lat: fix.lat, lon: fix.lon, accuracy: fix.accuracy });
  // What the driver would call this stop, should the server refuse it once the stop is off the route.
  const label = stop ? { sequence: stop.sequence, address: stop.order.address } : null;
  await enqueue(...uploads, { kind: 'action', key: body.idempotency_key, body, photoRefs, signatureRef, label });
  await refreshQueue();
  sync();
}
