// What the tracking page does: read the order's view (again when live events say it changed), listen
// on the shared socket while the order is moving, and send instructions, a rating, a push subscription.
import { ApiError, NetworkError, get, post } from '../shared/api.js';
import { t } from '../shared/i18n.js';
import { pushSupported, subscribeThisBrowser } from '../shared/push.js';
import { useLanguage } from './languages.js';
import { syncRebooking } from './rebook.js';
import { CLOSED, ON_THE_WAY } from './state.js';
import { root, state, token, update } from './store.js';

const MIN_RELOAD_GAP_MS = 3 * 1000; // bursts of events (positions, ETAs) refresh the view at most this often

let socket = null;
let socketOpening = null;
let loading = null;
let lastLoadAt = 0;
let reloadTimer = null;

/** When the view was last asked for (ms): the page polls more or less often from there. */
export const lastLoad = () => lastLoadAt;

// --- data -------------------------------------------------------------------------------------

export async function load() {
  if (!token) return update();
  if (loading) return loading;
  lastLoadAt = Date.now();
  loading = (async () => {
    try {
      const view = await get(`/api/v1/track/${token}`);
      state.view = view;
      state.error = null;
      state.offline = false;
      state.loadedAt = new Date().toISOString();
      await useLanguage(view.language);
      if (!ON_THE_WAY.has(view.status)) state.driver = null;
      if (!view.eta) state.etaStale = false;
      syncRebooking(view);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) state.error = 'not_found';
      else if (error instanceof ApiError && error.status === 410) state.error = 'expired';
      else state.offline = true; // keep showing what we had: a phone in a lift is not an error page
    } finally {
      loading = null;
    }
    syncLiveUpdates();
    update();
  })();
  return loading;
}

/** A refresh prompted by a live event: at most one every few seconds however many events arrive, and
 * never dropped (an event right after a load is followed by one more load a few seconds later). */
export function loadSoon() {
  if (reloadTimer) return;
  const wait = Math.max(0, MIN_RELOAD_GAP_MS - (Date.now() - lastLoadAt));
  reloadTimer = setTimeout(() => {
    reloadTimer = null;
    load();
  }, wait);
}

export function isLive() {
  return !state.error && state.view && !CLOSED.has(state.view.status);
}

// --- live updates -------------------------------------------------------------------------------

export function syncLiveUpdates() {
  if (isLive()) openSocket();
  else closeSocket();
}

export async function openSocket() {
  if (socket || socketOpening) return;
  // Socket.IO loads after the first paint, and only while the order is still moving.
  socketOpening = import('../shared/socket.js').then(({ connectSocket }) => {
    socketOpening = null;
    if (!isLive() || socket) return;
    let connectedBefore = false;
    // The server accepts a customer's socket only with its tracking token, and puts it in that order's room.
    socket = connectSocket({
      auth: { tracking_token: token },
      clock: false,
      onConnect: () => {
        // Anything could have happened while disconnected: read the whole view again.
        if (connectedBefore) load();
        connectedBefore = true;
        root.dataset.live = 'on'; // in this order's room: positions and ETAs now arrive (tests wait for it)
      },
      onDisconnect: () => {
        root.dataset.live = 'off';
      },
    });
    socket.on('driver.location', onDriverLocation);
    socket.on('eta.updated', onEtaUpdated);
  }).catch(() => {
    socketOpening = null; // offline before the chunk arrived: the next refresh tries again
  });
}

export function closeSocket() {
  socket?.disconnect();
  socket = null;
  delete root.dataset.live;
}

export function onDriverLocation(data) {
  if (!data || typeof data.lat !== 'number' || typeof data.lon !== 'number') return;
  state.driver = { ...data, receivedAt: Date.now() };
  // Positions come only while this stop is next: if the page still shows an earlier status, it is stale.
  if (!ON_THE_WAY.has(state.view?.status)) loadSoon();
  update();
}

export function onEtaUpdated(data) {
  if (!state.view || !data) return;
  if (data.eta) state.view = { ...state.view, eta: data.eta };
  state.etaStale = Boolean(data.stale_position);
  update();
  loadSoon(); // an ETA move often comes with a status change (the previous stop was just delivered)
}

// --- actions ------------------------------------------------------------------------------------

function messageOf(error) {
  if (error instanceof NetworkError) return t('track.offline');
  return error?.message || String(error);
}

export async function saveInstructions(event) {
  event.preventDefault();
  const text = new FormData(event.currentTarget).get('instructions') || '';
  state.instructions = { ...state.instructions, draft: text, saving: true, message: null, error: null };
  update();
  try {
    const saved = await post(`/api/v1/track/${token}/instructions`, { text });
    state.view = { ...state.view, delivery_instructions: saved.delivery_instructions };
    state.instructions = { draft: null, saving: false, message: t('track.instructionsSaved'), error: null };
  } catch (error) {
    const closed = error instanceof ApiError && error.status === 409;
    state.instructions = { ...state.instructions, saving: false,
      error: closed ? t('track.instructionsClosed') : messageOf(error) };
    if (closed) load();
  }
  update();
}

export async function sendRating(event) {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  const score = Number(form.get('score'));
  const comment = String(form.get('comment') || '');
  if (!(score >= 1 && score <= 5)) {
    state.rating = { ...state.rating, comment, error: t('track.rateNeedScore') };
    update();
    return;
  }
  state.rating = { score, comment, saving: true, error: null };
  update();
  try {
    const rating = await post(`/api/v1/track/${token}/rating`, { score, comment });
    state.view = { ...state.view, rating, can_rate: false };
    state.rating = { score: null, comment: '', saving: false, error: null };
  } catch (error) {
    state.rating = { ...state.rating, saving: false, error: messageOf(error) };
    if (error instanceof ApiError && error.status === 409) load(); // already rated (another tab): show it
  }
  update();
}

/** Consent is asked only here, on the customer's press; the service worker shows the messages. */
export async function enablePush() {
  if (!pushSupported()) {
    state.push = { status: 'unsupported', message: null };
    update();
    return;
  }
  state.push = { status: 'working', message: null };
  update();
  try {
    const body = await subscribeThisBrowser(get);
    if (!body) {
      state.push = { status: 'denied', message: null };
      update();
      return;
    }
    await post(`/api/v1/track/${token}/push-subscription`, body);
    state.push = { status: 'on', message: null };
  } catch (error) {
    state.push = { status: 'error', message: messageOf(error) };
  }
  update();
}
