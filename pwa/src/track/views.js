// What the tracking page shows: the headline, window and ETA, the map while the driver comes, the
// timeline, the address, instructions, proof of delivery, rating and push opt-in.
import { html, nothing } from 'lit-html';
import { pushSupported } from '../shared/push.js';
import { catalogue, language, t, tn } from '../shared/i18n.js';
import { formatDate, formatTime } from '../shared/time.js';
import { enablePush, load, saveInstructions, sendRating } from './actions.js';
import { rebook, rebookSection } from './rebook.js';
import { CLOSED, ON_THE_WAY, timelineSteps } from './state.js';
import { state } from './store.js';

export function showsMap() {
  return Boolean(state.view && ON_THE_WAY.has(state.view.status) && state.driver);
}

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
    <h2 id="when" class="visually-hidden">${said(view, 'track.window')}</h2>
    ${windows.length ? html`<p class="label">${view.status === 'failed' ? t('rebook.missedWindow') : said(view, 'track.window')}</p>
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
        <span class="step">${said(view, `track.step.${item.step}`)}</span>
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
      <h2 id="instructions-title">${said(view, 'track.instructions')}</h2>
      <p class="pre" data-testid="instructions-text">${current || t('track.instructionsNone')}</p></section>`;
  }
  return html`<section class="card" aria-labelledby="instructions-title">
    <h2 id="instructions-title">${said(view, 'track.instructions')}</h2>
    <form @submit=${saveInstructions} data-testid="instructions-form">
      <label for="instructions" class="visually-hidden">${said(view, 'track.instructions')}</label>
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
    <h2 id="pod-title">${said(view, 'track.pod')}</h2>
    <p>${said(view, delivered ? 'track.podAt' : 'track.podFailedAt', { time: when })}</p>
    ${pod.recipient_name ? html`<p>${said(view, 'track.podRecipient', { name: pod.recipient_name })}</p>` : nothing}
    ${pod.failure_reason ? html`<p>${t('track.failure', { reason: t(`fail.reason.${pod.failure_reason}`) })}</p>`
      : nothing}
    <div class="proof-images">
      ${(pod.photos || []).map((url, index) => html`<a href=${url} target="_blank" rel="noopener">
        <img src=${url} alt=${said(view, 'track.podPhoto', { n: index + 1 })} loading="lazy" width="160" height="120"></a>`)}
      ${pod.signature ? html`<img class="signature" src=${pod.signature} alt=${t('track.podSignature')}
        loading="lazy" width="240" height="100">` : nothing}
    </div>
    ${view.receipt_url ? html`<p><a class="button" href=${view.receipt_url} download data-testid="receipt">${t('track.receipt')}</a></p>`
      : nothing}</section>`;
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

/** The sender's colour, chosen by its admin (who is held to a colour readable on white, 4.5:1). */
function brand(organization) {
  const colour = /^#[0-9a-f]{6}$/i.test(organization?.colour || '') ? organization.colour : null;
  if (colour) document.documentElement.style.setProperty('--brand', colour);
  else document.documentElement.style.removeProperty('--brand');
  return nothing;
}

/** After a failed attempt, and right after a rebooking (its confirmation), rebooking comes first on the page. */
function rebookFirst(view) {
  return view.status === 'failed' || Boolean(rebook.done);
}

/** The page's words for a return where they differ (a collection, not a delivery), else the usual ones. */
function said(view, key, values = {}) {
  const own = `track.return.${key.slice('track.'.length)}`;
  return view.type === 'return' && own in (catalogue[language()] || catalogue.en) ? t(own, values) : t(key, values);
}

function trackingPage(view) {
  document.title = `${said(view, `track.headline.${view.status}`)} — ${t('track.title')}`;
  return html`
    <header class="top">
      ${brand(view.organization)}
      ${view.organization?.logo ? html`<img class="logo" src=${view.organization.logo} alt=${view.organization.name || ''}>` : nothing}
      ${view.organization?.name
        ? html`<p class="org">${said(view, 'track.from', { organization: view.organization.name })}</p>` : nothing}
      <h1 data-testid="headline" data-status=${view.status}>${said(view, `track.headline.${view.status}`)}</h1>
      ${view.recipient_first_name ? html`<p>${t('track.hello', { name: view.recipient_first_name })}</p>` : nothing}
    </header>
    ${state.offline ? html`<p class="card notice" role="status">${t('track.offline')}</p>` : nothing}
    ${rebookFirst(view) ? rebookSection(view) : nothing}
    ${summaryCard(view)}
    ${mapSection()}
    ${timelineSection(view)}
    <section class="card" aria-labelledby="address-title">
      <h2 id="address-title">${t('track.address')}</h2>
      <p data-testid="address">${view.address}</p>
    </section>
    ${instructionsSection(view)}
    ${rebookFirst(view) ? nothing : rebookSection(view)}
    ${proofSection(view)}
    ${ratingSection(view)}
    ${pushSection(view)}
    ${state.loadedAt
    ? html`<p class="meta updated">${t('track.updated', { time: formatTime(state.loadedAt, view.timezone) })}</p>`
    : nothing}`;
}

export function page() {
  if (state.error) return errorPage(state.error);
  if (state.view) return trackingPage(state.view);
  if (state.offline) {
    return html`<section class="card"><h1>${t('track.title')}</h1><p role="status">${t('track.offline')}</p>
      <button class="primary" type="button" @click=${() => load()}>${t('common.retry')}</button></section>`;
  }
  return html`<p class="boot">${t('track.loading')}</p>`;
}
