// The one IndexedDB database of the apps, shared by the pages and the service worker.
//   outbox     every write the driver made, in order (seq), until the server has it
//   uploaded   local photo/signature ref -> server upload id, so an action replayed later can name them
//   snapshots  the last route snapshot the server sent ("route"), to work offline
//   meta       small values: csrf token, clock offset, break state, user
//   rejected   writes the server refused (4xx): kept to show the driver, never retried
import { openDB } from 'idb';

const NAME = 'lastmile';
const VERSION = 1;
let opening = null;

export function database() {
  if (!opening) {
    opening = openDB(NAME, VERSION, {
      upgrade(db) {
        db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        db.createObjectStore('uploaded', { keyPath: 'ref' });
        db.createObjectStore('snapshots');
        db.createObjectStore('meta');
        db.createObjectStore('rejected', { keyPath: 'seq', autoIncrement: true });
      },
      blocking() {
        // A newer version of the app wants to upgrade: let it, this page reloads with the new code.
        opening?.then((db) => db.close());
        opening = null;
      },
    });
  }
  return opening;
}

export async function getMeta(key) {
  return (await database()).get('meta', key);
}

export async function setMeta(key, value) {
  return (await database()).put('meta', value, key);
}

export async function getSnapshot(key = 'route') {
  return (await database()).get('snapshots', key);
}

export async function saveSnapshot(snapshot, key = 'route') {
  const db = await database();
  if (snapshot == null) return db.delete('snapshots', key);
  const current = await db.get('snapshots', key);
  // Answers can arrive out of order (socket vs. HTTP): never go back to an older version of the route.
  if (current && current.id === snapshot.id && (current.version ?? 0) > (snapshot.version ?? 0)) return current;
  await db.put('snapshots', snapshot, key);
  return snapshot;
}

/** Forget everything of the previous user (logout, or another driver logs in on this phone). */
export async function clearUserData({ keepOutbox = false } = {}) {
  const db = await database();
  const stores = keepOutbox ? ['snapshots', 'meta', 'rejected'] : ['outbox', 'uploaded', 'snapshots', 'meta', 'rejected'];
  const tx = db.transaction(stores, 'readwrite');
  await Promise.all([...tx.objectStoreNames].map((name) => tx.objectStore(name).clear()));
  await tx.done;
}
