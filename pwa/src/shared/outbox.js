// The outbox: every driver write is stored here first (IndexedDB), then replayed to the server in
// the order the driver made it. Nothing is lost when the phone is offline, the tab is closed or the
// server hiccups, and nothing is applied twice: each entry carries a client-made idempotency key.
//
// Entry kinds:
//   upload     {ref, key, blob, uploadKind: photo|signature, captured_at, lat, lon}
//   action     {key, body: POST /driver/actions body, photoRefs: [ref], signatureRef, label: {sequence, address}}
//   locations  {fixes: [...]}   (adjacent ones are merged into one batch on replay)
// Uploads are queued before the action that uses them, so by the time the action is sent the
// server ids of its photos are known (uploaded store) and replace the local refs.
//
// The queue never waits behind one entry the server will never take: a permanent refusal (4xx) and an
// action the server kept as a conflict (stop moved or order cancelled while the phone was offline) are
// parked in the `rejected` store, to be shown to the driver until dismissed, and replay goes on.
// Only passing trouble (offline, 5xx, 408/429, session to renew) stops the replay, to be retried.
import { ApiError, NetworkError, request } from './api.js';
import { database, saveSnapshot } from './db.js';

export const SYNC_TAG = 'lastmile-outbox';
const LOCATION_BATCH = 500;

export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // Old WebViews: a v4 UUID from getRandomValues.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Store entries atomically: an action and its photos land together or not at all. */
export async function enqueue(...entries) {
  const db = await database();
  const tx = db.transaction('outbox', 'readwrite');
  for (const entry of entries) tx.store.add({ ...entry, queued_at: new Date().toISOString() });
  await tx.done;
  await requestBackgroundSync();
}

export async function pending() {
  return (await database()).getAll('outbox');
}

export async function rejected() {
  return (await database()).getAll('rejected');
}

export async function dismissRejected(seq) {
  return (await database()).delete('rejected', seq);
}

/** Ask the browser to wake the service worker when the connection is back (Chrome's Background Sync). */
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register(SYNC_TAG);
  } catch {
    // Not supported or not allowed: replay on `online` and on app start covers it.
  }
}

async function withLock(fn) {
  // The page and the service worker may both try to replay: one at a time, in order.
  if (globalThis.navigator?.locks?.request) return navigator.locks.request('lastmile-outbox', fn);
  return fn();
}

async function sendUpload(db, entry) {
  const known = await db.get('uploaded', entry.ref);
  if (known) return;
  const form = new FormData();
  form.append('file', entry.blob, entry.uploadKind === 'signature' ? 'signature.png' : 'photo.jpg');
  form.append('kind', entry.uploadKind);
  form.append('idempotency_key', entry.key);
  form.append('captured_at', entry.captured_at);
  if (entry.lat != null) form.append('lat', String(entry.lat));
  if (entry.lon != null) form.append('lon', String(entry.lon));
  const answer = await request('POST', '/api/v1/driver/uploads', { form, timeoutMs: 60000 });
  await db.put('uploaded', { ref: entry.ref, id: answer.id });
}

async function sendAction(db, entry) {
  const data = { ...(entry.body.data || {}) };
  if (entry.photoRefs) {
    const ids = [];
    for (const ref of entry.photoRefs) {
      const uploaded = await db.get('uploaded', ref);
      if (uploaded) ids.push(uploaded.id);
    }
    data.photo_ids = ids;
  }
  if (entry.signatureRef) {
    // A signature the server refused is left out rather than failing the whole delivery.
    const uploaded = await db.get('uploaded', entry.signatureRef);
    if (uploaded) data.signature_id = uploaded.id;
  }
  const answer = await request('POST', '/api/v1/driver/actions', { json: { ...entry.body, data } });
  if (answer?.route) await saveSnapshot(answer.route);
  return answer;
}

async function park(db, entry, refusal) {
  await db.add('rejected', { entry: { ...entry, blob: undefined }, at: new Date().toISOString(), ...refusal });
}

async function sendLocations(fixes) {
  try {
    await request('POST', '/api/v1/driver/locations', { json: { fixes } });
  } catch (error) {
    // Positions are worth little once stale; a refused batch is dropped rather than kept forever.
    if (error instanceof ApiError && !error.retryable && !error.needsLogin) return;
    throw error;
  }
}

/**
 * Send everything waiting, oldest first. Stops at the first entry that cannot be sent now
 * (offline, server trouble, session expired) so later entries never overtake it.
 * Returns {sent, remaining, stoppedBy, answers}: answers are the action answers (with route snapshots).
 */
export async function replay() {
  return withLock(async () => {
    const db = await database();
    const answers = [];
    let sent = 0;
    for (;;) {
      const entries = await db.getAll('outbox', null, 100);
      if (!entries.length) return { sent, remaining: 0, stoppedBy: null, answers };
      for (let index = 0; index < entries.length; index += 1) {
        const entry = entries[index];
        const done = [entry.seq];
        try {
          if (entry.kind === 'upload') {
            await sendUpload(db, entry);
          } else if (entry.kind === 'action') {
            const answer = await sendAction(db, entry);
            answers.push({ entry, answer });
            if (answer?.status === 'conflict') {
              // Not applied: the server kept it for dispatch. The driver must see it too, even when
              // the service worker replayed it with the app closed.
              await park(db, entry, { status: 200, code: 'conflict', reason: answer.reason || 'refused',
                message: answer.message || '' });
            }
          } else if (entry.kind === 'locations') {
            const fixes = [...entry.fixes];
            while (entries[index + 1]?.kind === 'locations' && fixes.length < LOCATION_BATCH) {
              index += 1;
              fixes.push(...entries[index].fixes);
              done.push(entries[index].seq);
            }
            await sendLocations(fixes);
          }
        } catch (error) {
          if (error instanceof NetworkError || (error instanceof ApiError && (error.retryable || error.needsLogin))) {
            const remaining = await db.count('outbox');
            return { sent, remaining, stoppedBy: error, answers };
          }
          // The server refused this write for good (invalid input, real conflict): keep it aside to show
          // the driver, and go on with the rest.
          await park(db, entry, {
            status: error.status ?? 0,
            code: error.code ?? 'client_error',
            fields: error.fields ?? null,
            message: error.message,
          });
        }
        const tx = db.transaction('outbox', 'readwrite');
        for (const seq of done) tx.store.delete(seq);
        await tx.done;
        sent += done.length;
      }
    }
  });
}
