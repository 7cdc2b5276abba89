// The customer's tracking page (/t/<token>): no login, the token in the address is the only key.
// Phone first and light: lit-html and the shared API client load with the page; Socket.IO comes
// after the first paint and only while the order is still moving; Leaflet only when the driver's
// position is shown (while this stop is the driver's next one).
import { html, nothing, render } from 'lit-html';
import { ApiError, NetworkError, get, post } from '../shared/api.js';
import { chooseLanguage, setLanguage, t, tn } from '../shared/i18n.js';
import { formatDate, formatTime } from '../shared/time.js';
import { pushSupported, subscribeThisBrowser } from '../shared/push.js';
import { CLOSED, ON_THE_WAY, timelineSteps, tokenFromPath } from './state.js';
import './styles.css';

const REFRESH_MS = 60 * 1000; // while the order is live: catches status changes the socket does not carry
const NEXT_STOP_REFRESH_MS = 15 * 1000; // the same while the driver is shown coming to this stop
const DRIVER_QUIET_MS = 2 * 60 * 1000; // no position for this long: the driver is no longer shown
const MIN_RELOAD_GAP_MS = 3 * 1000; // bursts of events (positions, ETAs) refresh the view at most this often

const token = tokenFromPath(location.pathname);
const root = document.getElementById('app');
const state = {
  view: null,
  error: token ? null : 'not_found', // 'not_found' | 'expired' | null
  offline: false,
  loadedAt: null,
  driver: null, // {lat, lon, heading, at, receivedAt} while positions arrive
  etaStale: false,
  tilesFailed: false,
  instructions: { draft: null, saving: false, message: null, error: null },
  rating: { score: null, comment: '', saving: false, error: null },
  push: { status: 'idle', message: null },
};

let socket = null;
let socketOpening = null;
let trackingMap = null;
let mapLoading = null;
let loading = null;
let lastLoadAt = 0;
let reloadTimer = null;

setLanguage(chooseLanguage());

// --- data -------------------------------------------------------------------------------------

async function load() {
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
      if (view.language) setLanguage(chooseLanguage(view.language));
      if (!ON_THE_WAY.has(view.status)) state.driver = null;
      if (!view.eta) state.etaStale = false;
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
function loadSoon() {
  if (reloadTimer) return;
  const wait = Math.max(0, MIN_RELOAD_GAP_MS - (Date.now() - lastLoadAt));
  reloadTimer = setTimeout(() => {
    reloadTimer = null;
    load();
  }, wait);
}

function isLive() {
  return !state.error && state.view && !CLOSED.has(state.view.status);
}

// --- live updates -------------------------------------------------------------------------------

function syncLiveUpdates() {
  if (isLive()) openSocket();
  else closeSocket();
}

async function openSocket() {
  if (socket || socketOpening) return;
  socketOpening = import('socket.io-client').then(({ io }) => {
    socketOpening = null;
    if (!isLive() || socket) return;
    let connectedBefore = false;
    // The server accepts a customer's socket only with its tracking token, and puts it in that order's room.
    socket = io({ path: '/socket.io', auth: { tracking_token: token }, reconnectionDelayMax: 10000 });
    socket.on('connect', () => {
      // Anything could have happened while disconnected: read the whole view again.
      if (connectedBefore) load();
      connectedBefore = true;
      root.dataset.live = 'on'; // in this order's room: positions and ETAs now arrive (tests wait for it)
    });
    socket.on('disconnect', () => {
      root.dataset.live = 'off';
    });
    socket.on('driver.location', onDriverLocation);
    socket.on('eta.updated', onEtaUpdated);
  }).catch(() => {
    socketOpening = null; // offline before the chunk arrived: the next refresh tries again
  });
}

function closeSocket() {
  socket?.disconnect();
  socket = null;
  delete root.dataset.live;
}

function onDriverLocation(data) {
  if (!data || typeof data.lat !== 'number' || typeof data.lon !== 'number') return;
  state.driver = { ...data, receivedAt: Date.now() };
  // Positions come only while this stop is next: if the page still shows an earlier status, it is stale.
  if (!ON_THE_WAY.has(state.view?.status)) loadSoon();
  update();
}

function onEtaUpdated(data) {
  if (!state.view || !data) return;
  if (data.eta) state.view = { ...state.view, eta: data.eta };
  state.etaStale = Boolean(data.stale_position);
  update();
  loadSoon(); // an ETA move often comes with a status change (the previous stop was just delivered)
}

setInterval(() => {
  if (state.driver && Date.now() - state.driver.receivedAt > DRIVER_QUIET_MS) {
    state.driver = null;
    update();
  }
}, 15 * 1000);

setInterval(() => {
  if (!isLive() || document.visibilityState !== 'visible') return;
  // The server tells customers about positions and ETAs, not status changes: poll for those, more
  // often while this stop is the next one (arrival and delivery are then minutes away).
  const every = state.driver || state.view.status === 'arrived' ? NEXT_STOP_REFRESH_MS : REFRESH_MS;
  if (Date.now() - lastLoadAt >= every) load();
}, 5 * 1000);

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && isLive()) loadSoon();
});
window.addEventListener('online', () => load());

// --- the map ------------------------------------------------------------------------------------

function destinationOf(view) {
  const point = view?.destination || view?.location;
  return point && typeof point.lat === 'number' && typeof point.lon === 'number' ? point : null;
}

function showsMap() {
  return Boolean(state.view && ON_THE_WAY.has(state.view.status) && state.driver);
}

async function syncMap() {
  const element = document.getElementById('map');
  if (!element) {
    trackingMap?.destroy();
    trackingMap = null;
    return;
  }
  if (!trackingMap) {
    if (!mapLoading) {
      mapLoading = import('./map.js').then(({ TrackingMap }) => {
        const current = document.getElementById('map');
        if (current && !trackingMap) {
          trackingMap = new TrackingMap(current, {
            driverLabel: t('track.driverHere'),
            destinationLabel: t('track.destination'),
            onTilesFailed: () => {
              state.tilesFailed = true;
              update();
            },
          });
        }
      }).finally(() => {
        mapLoading = null;
      });
    }
    await mapLoading.catch(() => {});
    if (!trackingMap) return;
  }
  trackingMap.setDestination(destinationOf(state.view));
  if (state.driver) trackingMap.moveDriver(state.driver);
  else trackingMap.removeDriver();
}

// --- actions ------------------------------------------------------------------------------------

function messageOf(error) {
  if (error instanceof NetworkError) return t('track.offline');
  return error?.message || String(error);
}

async function saveInstructions(event) {
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

async function sendRating(event) {
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
async function enablePush() {
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

// --- views --------------------------------------------------------------------------------------

function windowText(view) {
  const zone = view.timezone;
  return (view.time_windows || []).map((w) => `${formatDate(w.start, zone)}, ${t('track.windowRange', {
    start: formatTime(w.start, zone), end: formatTime(w.end, zone) })}`);
}

function errorPage(kind) {
  const title = kind === 'expired' ? t('track.expiredTitle') : t('track.notFoundTitle');
  const text = kind === 'expired' ? t('track.expired') : t('track.notFound');
  document.title = `${title} — Lastmile`;
  return html`<section class="card error" data-testid="link-error" data-kind=${kind}>
    <h1>${title}</h1><p>${text}</p></section>`;
}

function summaryCard(view) {
  const zone = view.timezone;
  const windows = windowText(view);
  const live = !CLOSED.has(view.status);
  const eta = view.eta ? formatTime(view.eta, zone) : t('track.etaUnknown');
  return html`<section class="card summary" aria-labelledby="when">
    <h2 id="when" class="visually-hidden">${t('track.window')}</h2>
    ${windows.length ? html`<p class="label">${t('track.window')}</p>
      <p class="big" data-testid="window">${windows.map((text) => html`<span class="line">${text}</span>`)}</p>`
      : nothing}
    ${live ? html`<p class="label">${t('track.eta')}</p>
      <p class="big eta" data-testid="eta" aria-live="polite">${eta}
        ${view.eta && state.etaStale ? html`<span class="updating">(${t('track.etaUpdating')})</span>` : nothing}</p>`
      : nothing}
    ${view.driver?.first_name ? html`<p class="label">${t('track.driver')}</p>
      <p data-testid="driver">${view.vehicle?.name
        ? t('track.driverVehicle', { name: view.driver.first_name, vehicle: view.vehicle.name })
        : view.driver.first_name}</p>` : nothing}
  </section>`;
}

function mapSection() {
  if (!showsMap()) return nothing;
  return html`<section class="card map-card" aria-labelledby="map-title">
    <h2 id="map-title">${t('track.map')}</h2>
    <div id="map" class="map" data-testid="map"></div>
    ${state.tilesFailed ? html`<p class="meta">${t('track.mapNoTiles')}</p>` : nothing}
  </section>`;
}

function timelineSection(view) {
  const zone = view.timezone;
  return html`<section class="card" aria-labelledby="timeline-title">
    <h2 id="timeline-title">${t('track.timeline')}</h2>
    <ol class="timeline" data-testid="timeline">
      ${timelineSteps(view).map((item) => html`<li class=${item.state}
          aria-current=${item.state === 'current' ? 'step' : nothing}>
        <span class="dot" aria-hidden="true"></span>
        <span class="step">${t(`track.step.${item.step}`)}</span>
        ${item.at ? html`<span class="meta">${formatTime(item.at, zone)}</span>` : nothing}
      </li>`)}
    </ol>
    ${view.failure_reason ? html`<p data-testid="failure">${t('track.failure', {
      reason: t(`fail.reason.${view.failure_reason}`) })}</p>` : nothing}
  </section>`;
}

function instructionsSection(view) {
  const current = view.delivery_instructions || '';
  const { draft, saving, message, error } = state.instructions;
  if (!view.can_edit_instructions) {
    return html`<section class="card" aria-labelledby="instructions-title">
      <h2 id="instructions-title">${t('track.instructions')}</h2>
      <p class="pre" data-testid="instructions-text">${current || t('track.instructionsNone')}</p></section>`;
  }
  return html`<section class="card" aria-labelledby="instructions-title">
    <h2 id="instructions-title">${t('track.instructions')}</h2>
    <form @submit=${saveInstructions} data-testid="instructions-form">
      <label for="instructions" class="visually-hidden">${t('track.instructions')}</label>
      <p id="instructions-hint" class="meta">${t('track.instructionsHint')}</p>
      <textarea id="instructions" name="instructions" rows="3" maxlength="2000"
        aria-describedby="instructions-hint" .value=${draft ?? current}
        @input=${(event) => { state.instructions.draft = event.target.value; }}></textarea>
      <button class="primary" type="submit" ?disabled=${saving}>
        ${saving ? t('track.sending') : t('track.instructionsSave')}</button>
      <p role="status" class="ok">${message || ''}</p>
      ${error ? html`<p role="alert" class="error-text">${error}</p>` : nothing}
    </form></section>`;
}

function proofSection(view) {
  const pod = view.pod;
  if (!pod) return nothing;
  const zone = view.timezone;
  const delivered = pod.outcome !== 'failed';
  const when = `${formatDate(pod.at, zone)}, ${formatTime(pod.at, zone)}`;
  return html`<section class="card" aria-labelledby="pod-title" data-testid="pod">
    <h2 id="pod-title">${t('track.pod')}</h2>
    <p>${t(delivered ? 'track.podAt' : 'track.podFailedAt', { time: when })}</p>
    ${pod.recipient_name ? html`<p>${t('track.podRecipient', { name: pod.recipient_name })}</p>` : nothing}
    ${pod.failure_reason ? html`<p>${t('track.failure', { reason: t(`fail.reason.${pod.failure_reason}`) })}</p>`
      : nothing}
    <div class="proof-images">
      ${(pod.photos || []).map((url, index) => html`<a href=${url} target="_blank" rel="noopener">
        <img src=${url} alt=${t('track.podPhoto', { n: index + 1 })} loading="lazy" width="160" height="120"></a>`)}
      ${pod.signature ? html`<img class="signature" src=${pod.signature} alt=${t('track.podSignature')}
        loading="lazy" width="240" height="100">` : nothing}
    </div></section>`;
}

function ratingSection(view) {
  if (view.rating) {
    return html`<section class="card" aria-labelledby="rating-title" data-testid="rating-done">
      <h2 id="rating-title">${t('track.rate')}</h2>
      <p role="status">${t('track.rated', { score: view.rating.score })}</p>
      ${view.rating.comment ? html`<p class="pre">${view.rating.comment}</p>` : nothing}</section>`;
  }
  if (!view.can_rate) return nothing;
  const { saving, error, comment } = state.rating;
  return html`<section class="card" aria-labelledby="rating-title">
    <h2 id="rating-title">${t('track.rate')}</h2>
    <form @submit=${sendRating} data-testid="rating-form">
      <fieldset class="stars"><legend>${t('track.rateScore')}</legend>
        ${[1, 2, 3, 4, 5].map((n) => html`<label class="star">
          <input type="radio" name="score" value=${n}>
          <span aria-hidden="true">${n} ★</span><span class="visually-hidden">${tn('track.rateStar', n)}</span>
        </label>`)}
      </fieldset>
      <label for="comment">${t('track.rateComment')}</label>
      <textarea id="comment" name="comment" rows="3" maxlength="2000" .value=${comment}></textarea>
      <button class="primary" type="submit" ?disabled=${saving}>
        ${saving ? t('track.sending') : t('track.rateSubmit')}</button>
      ${error ? html`<p role="alert" class="error-text">${error}</p>` : nothing}
    </form></section>`;
}

function pushSection(view) {
  // Nothing to offer in a browser without web push (iOS Safari outside a home-screen app, old browsers).
  if (CLOSED.has(view.status) || !pushSupported()) return nothing;
  const { status, message } = state.push;
  const notes = {
    on: t('track.pushOn'), denied: t('track.pushDenied'), unsupported: t('track.pushUnsupported'),
    error: t('track.pushFailed', { message }),
  };
  return html`<section class="card" aria-labelledby="push-title" data-testid="push">
    <h2 id="push-title">${t('track.push')}</h2>
    <p class="meta">${t('track.pushHint')}</p>
    ${status === 'on' ? nothing : html`<button class="secondary" type="button" @click=${enablePush}
      ?disabled=${status === 'working'}>${t('track.push')}</button>`}
    <p role="status">${notes[status] || ''}</p></section>`;
}

function trackingPage(view) {
  document.title = `${t(`track.headline.${view.status}`)} — ${t('track.title')}`;
  return html`
    <header class="top">
      ${view.organization?.name
        ? html`<p class="org">${t('track.from', { organization: view.organization.name })}</p>` : nothing}
      <h1 data-testid="headline" data-status=${view.status}>${t(`track.headline.${view.status}`)}</h1>
      ${view.recipient_first_name ? html`<p>${t('track.hello', { name: view.recipient_first_name })}</p>` : nothing}
    </header>
    ${state.offline ? html`<p class="card notice" role="status">${t('track.offline')}</p>` : nothing}
    ${summaryCard(view)}
    ${mapSection()}
    ${timelineSection(view)}
    <section class="card" aria-labelledby="address-title">
      <h2 id="address-title">${t('track.address')}</h2>
      <p data-testid="address">${view.address}</p>
    </section>
    ${instructionsSection(view)}
    ${proofSection(view)}
    ${ratingSection(view)}
    ${pushSection(view)}
    ${state.loadedAt
    ? html`<p class="meta updated">${t('track.updated', { time: formatTime(state.loadedAt, view.timezone) })}</p>`
    : nothing}`;
}

function page() {
  if (state.error) return errorPage(state.error);
  if (state.view) return trackingPage(state.view);
  if (state.offline) {
    return html`<section class="card"><h1>${t('track.title')}</h1><p role="status">${t('track.offline')}</p>
      <button class="primary" type="button" @click=${() => load()}>${t('common.retry')}</button></section>`;
  }
  return html`<p class="boot">${t('track.loading')}</p>`;
}

function update() {
  render(page(), root);
  syncMap();
}

root.replaceChildren(); // the shell's placeholder text; lit-html renders after existing children otherwise
update();
load();
