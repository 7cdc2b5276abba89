// The service worker: the app shell from versioned caches (old versions deleted on activate), and
// the outbox replayed by Background Sync when the phone gets a connection back with the app closed.
// __VERSION__ and __PRECACHE__ are written in by scripts/postbuild.mjs from the built files.
import { SYNC_TAG, replay } from '../src/shared/outbox.js';
// --- customer tracking page: web push (`push`, `notificationclick`) lives in its own file ---
import './push.js';

/* global __VERSION__, __PRECACHE__ */
const VERSION = __VERSION__;
const PRECACHE = __PRECACHE__;
const PREFIX = 'lastmile-';
const SHELL_CACHE = `${PREFIX}shell-${VERSION}`;
const ASSET_CACHE = `${PREFIX}assets-${VERSION}`;
// Every /driver/... address is the same single-page app: answer them all with the /driver shell.
const APP_SHELLS = [{ prefix: '/driver', shell: '/driver' }, { prefix: '/dispatch', shell: '/dispatch' }];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // cache: 'reload' so the shell comes from the server, not from an HTTP cache of the old version.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== SHELL_CACHE && name !== ASSET_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

function shellFor(url, request) {
  if (request.mode !== 'navigate') return null;
  const match = APP_SHELLS.find(({ prefix }) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
  return match && PRECACHE.includes(match.shell) ? match.shell : null;
}

async function fromCacheFirst(request, cacheKey, cacheName) {
  const cached = await caches.match(cacheKey);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && cacheName) {
    const cache = await caches.open(cacheName);
    await cache.put(cacheKey, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The API and the socket always go to the network: the app keeps its own data in IndexedDB.
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io')) return;
  const shell = shellFor(url, request);
  if (shell) {
    event.respondWith(fromCacheFirst(request, shell, null).catch(() => Response.error()));
  } else if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change content: cache first, forever (until the next version's activate).
    event.respondWith(fromCacheFirst(request, url.pathname, ASSET_CACHE));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(fromCacheFirst(request, url.pathname, null));
  }
});

async function replayAndTell() {
  const result = await replay();
  const clients = await self.clients.matchAll({ type: 'window' });
  for (const client of clients) client.postMessage({ type: 'outbox-replayed', sent: result.sent, remaining: result.remaining });
  // Still waiting (offline or server trouble): fail the sync event so the browser retries it later.
  if (result.remaining) throw new Error('outbox not empty');
}

self.addEventListener('sync', (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(replayAndTell());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'replay-outbox') event.waitUntil(replayAndTell().catch(() => {}));
});
