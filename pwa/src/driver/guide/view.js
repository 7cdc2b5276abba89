// The guidance screen (/driver/stops/<id>/guide): the next manoeuvre and its distance large enough to read at
// arm's length, the map of the route with the current leg, all the steps, spoken guidance on demand, and the
// other navigation apps. Without OSRM, or offline before any steps came, the stop's direction and distance
// as the crow flies, in words, and the straight leg on the map.
import { html, nothing } from 'lit-html';
import { cssProperties } from '../../shared/style.js';
import { t } from '../../shared/i18n.js';
import { settings } from '../settings.js';
import { BASE, link, state, update } from '../store.js';
import { navLinks } from '../views/route.js';
import { attachGuide, crowFlies, detachGuide, guide, toggleVoice } from './guide.js';
import { GuideMap } from './map.js';
import { ARRIVED_M } from './progress.js';
import { speechAvailable } from './speech.js';
import { arrowOf, distanceText, instructionText } from './words.js';
import './guide.css';

const shownMap = { element: null, map: null, opening: false, problem: null };

function arrivedView(stop) {
  return html`<section class="card guide-next arrived" data-testid="directions" aria-live="polite">
    <p class="guide-arrow" aria-hidden="true">⚑</p>
    <p class="guide-instruction" data-testid="next-instruction">${t('guide.arrived', { sequence: stop.sequence })}</p>
    <a class="button primary" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>${t('guide.showStop')}</a>
  </section>`;
}

function stepsNextView(stop) {
  const { leg, progress, directions } = guide;
  if (progress.arrived) return arrivedView(stop);
  const step = leg.steps[progress.next];
  const then = leg.steps[progress.next + 1];
  const minutes = directions.duration_s && leg.path.length
    ? Math.max(1, Math.round((directions.duration_s * progress.remaining) / leg.path.length / 60)) : null;
  return html`<section class="card guide-next" data-testid="directions">
    <div class="guide-now">
      <p class="guide-arrow" aria-hidden="true">${arrowOf(step)}</p>
      <div>
        <p class="guide-distance" data-testid="next-distance">${t('guide.in', { distance: distanceText(progress.toNext) })}</p>
        <p class="guide-instruction" data-testid="next-instruction" aria-live="polite">${instructionText(step, t)}</p>
      </div>
    </div>
    ${then && step.maneuver?.type !== 'arrive' ? html`<p class="guide-then">${t('guide.then', { action: instructionText(then, t) })}</p>` : nothing}
    <p class="meta" data-testid="remaining">${minutes ? t('guide.remaining', { distance: distanceText(progress.remaining), minutes })
      : t('guide.remainingShort', { distance: distanceText(progress.remaining) })}</p>
  </section>`;
}

function crowFliesView(stop) {
  const { distance, bearing, words } = crowFlies();
  if (distance <= ARRIVED_M) return arrivedView(stop);
  const heading = guide.position.heading;
  return html`<section class="card guide-next" data-testid="directions">
    <div class="guide-now">
      ${Number.isFinite(heading) ? html`<p class="guide-arrow" aria-hidden="true"
        style=${cssProperties({ transform: `rotate(${Math.round(bearing - heading)}deg)` })}>↑</p>` : nothing}
      <div>
        <p class="guide-distance" data-testid="next-distance">${distanceText(distance)}</p>
        <p class="guide-instruction" data-testid="next-instruction">${words}</p>
      </div>
    </div>
  </section>`;
}

function nextView(stop) {
  if (!guide.position) {
    return html`<p class="notice ${guide.positionError ? 'warn' : ''}" data-testid="guide-waiting">
      ${guide.positionError ? t('guide.noPosition') : t('guide.waitingPosition')}</p>`;
  }
  if (guide.leg && guide.progress) return stepsNextView(stop);
  if (guide.fetching && !guide.reason) return html`<p class="notice" data-testid="guide-waiting">${t('guide.loading')}</p>`;
  return crowFliesView(stop);
}

function notesView() {
  const notes = [];
  if (guide.rerouting) notes.push(['guide.offRoute', 'warn']);
  if (!state.online && guide.leg) notes.push(['guide.offlineSteps', 'warn']);
  else if (!guide.leg && guide.reason === 'offline') notes.push(['guide.offlineCrowFlies', 'warn']);
  else if (!guide.leg && guide.reason === 'noRoad') notes.push(['guide.noRoad', 'warn']);
  else if (!guide.leg && guide.reason === 'stepsUnavailable') notes.push(['guide.stepsUnavailable', 'warn']);
  else if (!guide.leg && guide.reason === 'noSteps') notes.push(['guide.noSteps', '']);
  if (shownMap.problem) notes.push([shownMap.problem, '']);
  return notes.map(([key, kind]) => html`<p class="notice ${kind}" data-testid="guide-note" data-note=${key}>${t(key)}</p>`);
}

function stepsList() {
  if (!guide.leg) return nothing;
  const next = guide.progress?.next ?? 1;
  return html`<details class="card guide-steps">
    <summary>${t('guide.allSteps')}</summary>
    <ol class="steps" data-testid="guide-steps">${guide.leg.steps.map((step, index) => html`
      <li class=${index === next ? 'current' : index < next ? 'done' : ''}>
        <span class="step-arrow" aria-hidden="true">${arrowOf(step)}</span>
        <span>${instructionText(step, t)}${step.distance_m ? html` <span class="meta">${distanceText(step.distance_m)}</span>` : nothing}</span>
      </li>`)}</ol>
  </details>`;
}

export function guideView(route, stop) {
  const voiceOn = settings.speakDirections;
  return html`
    <a class="button link back" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>← ${t('guide.showStop')}</a>
    <h1 tabindex="-1" class="guide-title">${t('guide.title', { sequence: stop.sequence })}</h1>
    <p class="meta">${stop.order.address}</p>
    ${guide.stopId === stop.id ? nextView(stop) : html`<p class="notice">${t('guide.waitingPosition')}</p>`}
    <div id="guide-map" class="guide-map" role="region" aria-label=${t('guide.map')} data-testid="guide-map"></div>
    ${speechAvailable() ? html`<button class="secondary voice ${voiceOn ? 'on' : ''}" data-testid="guide-voice"
      aria-pressed=${voiceOn ? 'true' : 'false'} @click=${toggleVoice}><span class="switch" aria-hidden="true"></span>
      ${t('guide.voice')}</button>` : nothing}
    ${notesView()}
    ${stepsList()}
    <section class="card"><h2>${t('guide.otherApps')}</h2>${navLinks(stop)}</section>`;
}

function drawMap() {
  if (!shownMap.map || !guide.stop) return;
  const road = guide.leg ? guide.directions.geometry : null;
  shownMap.map.show(guide.stop, road, guide.position, guide.leg ? guide.legVersion : 'straight');
}

function openMap(route) {
  const element = document.getElementById('guide-map');
  if (!element || shownMap.element === element) return;
  shownMap.map?.destroy();
  Object.assign(shownMap, { element, map: null, opening: true, problem: null });
  GuideMap.open(element, route, { onProblem: (key) => { shownMap.problem = key; update(); } }).then((map) => {
    if (shownMap.element !== element) {
      map.destroy();
      return;
    }
    shownMap.map = map;
    drawMap();
  }).catch(() => {
    // The map's code could not load (offline before it was ever fetched): the directions do not need it.
    if (shownMap.element === element) shownMap.problem = 'guide.mapFailed';
    update();
  }).finally(() => {
    shownMap.opening = false;
  });
}

/** After each render of the guidance screen: follow the position, open the map once, redraw it. */
export function attachGuideScreen(route, stop) {
  attachGuide(route, stop);
  openMap(route);
  drawMap();
}

/** The screen was left: the position watch, the voice and the map stop. */
export function detachGuideScreen() {
  if (guide.stopId === null && !shownMap.element) return;
  detachGuide();
  shownMap.map?.destroy();
  Object.assign(shownMap, { element: null, map: null, opening: false, problem: null });
}
