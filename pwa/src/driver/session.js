// The driver's session: log in and out, the socket while signed in, route-change notifications, and
// starting the app (from the cached session when offline; the server decides once it answers).
import * as api from '../shared/api.js';
import { ApiError, NetworkError } from '../shared/api.js';
import { clearUserData, getMeta, getSnapshot, setMeta } from '../shared/db.js';
import { t } from '../shared/i18n.js';
import { pushSupported, subscribeThisBrowser } from '../shared/push.js';
import { connectSocket, emitWithAck, loadClockOffset } from '../shared/socket.js';
import { windowRange } from './format.js';
import { describeChange } from './state.js';
import {
  addNotice, locationSharing, refreshQueue, runtime, state, stopSocket, update, wakeLock,
} from './store.js';
import { applyLanguage } from './settings.js';
import { adoptSnapshot, endSession, loadRoute, sync } from './sync.js';

// --- live -------------------------------------------------------------------------------------

function startSocket() {
  if (runtime.socket) return;
  runtime.socket = connectSocket({
    onConnect: async (connected) => {
      update();
      sync();
      if (state.snapshot) {
        try {
          const answer = await emitWithAck(connected, 'route.resync',
            { route_id: state.snapshot.id, version: state.snapshot.version });
          if (answer?.route) await adoptSnapshot(answer.route, null);
        } catch {
          // Older servers or a slow answer: route.updated events and the next load cover it.
        }
      } else {
        loadRoute();
      }
    },
    onDisconnect: () => update(),
  });
  runtime.socket.on('route.updated', (payload) => {
    const route = payload?.route;
    if (!route) return;
    if (route.driver && state.session?.driver_id && route.driver.id !== state.session.driver_id) {
      // The route went to another driver: say so, and ask the server what this driver has now.
      addNotice(describeChange(state.snapshot, route, payload.change, { windowText: windowRange }) || t('change.generic'));
      loadRoute();
      return;
    }
    adoptSnapshot(route, payload.change ?? null);
  });
  runtime.socket.on('route.withdrawn', (payload) => {
    // Dispatch unpublished or deleted the route on screen: say so, and load what this driver has now.
    if (!state.snapshot || payload?.route_id !== state.snapshot.id) return;
    addNotice(t('change.withdrawn'));
    loadRoute();
  });
}

/** The phone's own events: back in view, online and offline, the service worker's background replays. */
export function listenToThePhone() {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') {
      if (locationSharing.active) state.pausedWhileHidden = true;
    } else {
      wakeLock.want(wakeLock.wanted);
      sync();
    }
    update();
  });

  window.addEventListener('online', async () => {
    state.online = true;
    update();
    if (state.session && !runtime.socket) {
      // Started offline: check the session now (fresh CSRF token, socket) before replaying.
      try {
        await adoptSession(await api.me(), { restartSocket: false });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) await endSession();
      }
      return;
    }
    await sync();
    loadRoute();
  });
  window.addEventListener('offline', () => {
    state.online = false;
    update();
  });

  navigator.serviceWorker?.addEventListener('message', async (event) => {
    // The service worker replayed the outbox in the background: show what it got.
    if (event.data?.type === 'outbox-replayed') {
      const saved = await getSnapshot();
      if (saved) state.snapshot = saved;
      await refreshQueue();
    }
  });
}

// --- session ----------------------------------------------------------------------------------

export async function submitLogin(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  state.loginError = null;
  try {
    const session = await api.login(String(form.get('login')).trim(), String(form.get('password')));
    const previousUser = await getMeta('userId');
    if (previousUser && previousUser !== session.user.id) {
      // Another driver used this phone: drop their cached route and settings. Their unsent writes stay
      // in the outbox (the server decides, per route, whether this session may apply them).
      await clearUserData({ keepOutbox: true });
      await api.setCsrfToken(session.csrf_token);
    }
    await adoptSession(session);
  } catch (error) {
    state.loginError = error instanceof NetworkError ? t('login.offline') : t('login.failed');
    update();
  }
}

/** A confirmed session: remember it for offline starts, connect the socket, fetch the route, replay. */
export async function adoptSession(session, { restartSocket = true } = {}) {
  state.session = session;
  await applyLanguage(session.user?.language);
  await setMeta('userId', session.user.id);
  await setMeta('session', { user: session.user, driver_id: session.driver_id, org: session.org });
  // After a login the cookie is new: a socket opened with the old one must reconnect.
  if (restartSocket) stopSocket();
  startSocket();
  await loadRoute();
  sync();
  // A browser that already allowed notifications is re-subscribed silently (no prompt): the server
  // may have dropped an expired subscription.
  if (pushSupported() && Notification.permission === 'granted') enableRoutePush();
}

/** Route changes made while the app is in the background arrive as notifications (asked on a press). */
export async function enableRoutePush() {
  try {
    const body = await subscribeThisBrowser(api.get);
    state.push = body ? 'on' : 'denied';
    if (body) await api.post('/api/v1/push/subscriptions', body);
  } catch (error) {
    state.push = 'error';
  }
  update();
}

export async function logout() {
  stopSocket();
  locationSharing.stop();
  try {
    await api.logout();
  } catch {
    // Offline: the cookie expires on its own; the local data is cleared below either way.
  }
  if (!state.entries.length) await clearUserData();
  state.session = null;
  state.snapshot = null;
  await setMeta('session', null);
  update();
}

// --- start ------------------------------------------------------------------------------------

export async function boot() {
  await applyLanguage();
  await loadClockOffset();
  const cachedSession = await getMeta('session');
  state.snapshot = (await getSnapshot()) || null;
  await refreshQueue();
  if (cachedSession) {
    // Offline start: trust the cached session so the driver keeps working; the server decides later.
    state.session = cachedSession;
    await applyLanguage(cachedSession.user?.language);
  }
  state.booting = false;
  update();
  try {
    await adoptSession(await api.me(), { restartSocket: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) await endSession();
    // Unreachable: keep working from the cached session and route; `online` picks up from here, and
    // so does this retry when the phone was "online" all along but the server was not.
    else if (error instanceof NetworkError) setTimeout(retryUntilReachable, 15000);
  }
}

async function retryUntilReachable() {
  if (runtime.socket || !state.session) return;
  try {
    await adoptSession(await api.me(), { restartSocket: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) await endSession();
    else setTimeout(retryUntilReachable, 30000);
  }
}
