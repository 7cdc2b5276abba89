// The guidance screen's brain: the phone's position while the screen is open, the leg's directions from the
// server (OSRM's steps when configured), where the driver is along them, what to say and when. Loaded on
// demand (main.js imports it when the screen opens); the map is one more import away (guide/map.js).
//
// Everything after the directions arrive runs on the phone: offline, the steps keep following the position.
// A leg's directions are kept on the phone, so the guidance opened offline still has the steps it had.
import * as api from '../../shared/api.js';
import { language, t } from '../../shared/i18n.js';
import { settings, setSpeakDirections } from '../settings.js';
import { locationSharing, state, update } from '../store.js';
import { bearingDegrees, distanceMetres, follow, prepareLeg } from './progress.js';
import { hush, say } from './speech.js';
import { directionWords, distanceText, instructionText, mergeGuideMessages } from './words.js';

mergeGuideMessages();

const SAVED_KEY = 'lastmile.driver.guide';
// A new way from the server at most this often while the driver stays off the planned one.
const REROUTE_EVERY_MS = 15000;
// Spoken twice per manoeuvre: once when it becomes the next (if still far) and once just before it.
const ANNOUNCE_FAR_M = 150;
const ANNOUNCE_NEAR_M = 60;

export const guide = {
  stopId: null,
  stop: null,
  position: null, // {lat, lon, heading}
  positionError: null,
  directions: null, // the server's answer for this leg
  leg: null, // the steps ready to follow (OSRM only)
  progress: null,
  reason: null, // why there are no steps: noSteps | stepsUnavailable | noRoad | offline
  fetching: false,
  reroutedAt: 0,
  rerouting: false,
  legVersion: 0,
  spoken: new Set(),
  listeners: new Set(), // the map follows the position
};
let watchId = null;

function saved() {
  try {
    return JSON.parse(localStorage.getItem(SAVED_KEY) || 'null');
  } catch {
    return null;
  }
}

function keep(stopId, directions) {
  try {
    localStorage.setItem(SAVED_KEY, JSON.stringify({ stopId, directions }));
  } catch {
    // Storage full or refused: the guidance still works while the screen stays open.
  }
}

function adopt(directions) {
  guide.directions = directions;
  guide.legVersion += 1; // the map frames each new leg once
  guide.leg = directions.mode === 'osrm' && directions.steps?.length ? prepareLeg(directions) : null;
  guide.progress = null;
  guide.spoken.clear();
  if (!guide.leg) guide.reason = directions.fallback_reason ? 'stepsUnavailable' : 'noSteps';
  else guide.reason = null;
}

/** Open the guidance to `stop` (after each render; only the first call for a stop does anything). */
export function attachGuide(route, stop) {
  guide.stop = stop;
  if (guide.stopId !== stop.id) {
    guide.stopId = stop.id;
    guide.directions = null;
    guide.leg = null;
    guide.progress = null;
    guide.reason = null;
    guide.reroutedAt = 0;
    guide.spoken.clear();
    const kept = saved();
    if (kept?.stopId === stop.id && kept.directions) adopt(kept.directions);
  }
  if (watchId === null && navigator.geolocation) {
    const failed = (error) => {
      if (guide.position) return;
      guide.positionError = error.message || 'unavailable';
      update();
    };
    watchId = navigator.geolocation.watchPosition(onPosition, failed,
      { enableHighAccuracy: true, maximumAge: 2000, timeout: 30000 });
    // A second watch only hears of the next fix: start from the one location sharing already has (on duty),
    // or the phone's last known position, rather than "waiting for your position" while parked.
    const shared = locationSharing.lastFix;
    if (!guide.position && shared) {
      setTimeout(() => onFix({ lat: shared.lat, lon: shared.lon, heading: shared.heading, speed: shared.speed }));
    } else if (!guide.position) {
      navigator.geolocation.getCurrentPosition(onPosition, failed, { maximumAge: 60000, timeout: 30000 });
    }
  }
}

/** Leave the guidance screen: stop watching the position and stop talking. */
export function detachGuide() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
  guide.stopId = null;
  hush();
}

function onPosition(position) {
  const { latitude, longitude, heading, speed } = position.coords;
  onFix({ lat: latitude, lon: longitude, heading, speed });
}

function onFix({ lat, lon, heading, speed }) {
  if (guide.stopId === null) return; // the screen was left meanwhile
  // A heading is only meaningful while moving (a parked phone's heading is noise or absent).
  guide.position = { lat, lon, heading: Number.isFinite(heading) && speed > 1 ? heading : null };
  guide.positionError = null;
  if (!guide.directions && !guide.fetching) fetchDirections();
  if (guide.leg) {
    guide.progress = follow(guide.leg, guide.position, guide.progress);
    if (guide.progress.offRouteCount >= 2 && !guide.progress.arrived && !guide.fetching
      && Date.now() - guide.reroutedAt > REROUTE_EVERY_MS) {
      guide.reroutedAt = Date.now();
      guide.rerouting = true;
      fetchDirections();
    }
  }
  announce();
  for (const listener of guide.listeners) listener(guide);
  update();
}

async function fetchDirections() {
  const { stopId, position } = guide;
  if (!position || stopId === null) return;
  if (!state.online) {
    if (!guide.directions) guide.reason = 'offline';
    guide.rerouting = false;
    return;
  }
  guide.fetching = true;
  try {
    const query = new URLSearchParams({ stop_id: stopId, lat: position.lat.toFixed(6), lon: position.lon.toFixed(6) });
    const directions = await api.get(`/api/v1/driver/directions?${query}`);
    if (guide.stopId !== stopId) return;
    adopt(directions);
    keep(stopId, directions);
    if (guide.leg && guide.position) guide.progress = follow(guide.leg, guide.position, null);
  } catch (error) {
    if (guide.stopId !== stopId) return;
    // A leg already known keeps guiding (offline, server busy); otherwise the straight line, and why.
    if (!guide.leg) guide.reason = error?.code === 'no_route_found' ? 'noRoad' : state.online ? 'stepsUnavailable' : 'offline';
  } finally {
    guide.fetching = false;
    guide.rerouting = false;
    announce();
    for (const listener of guide.listeners) listener(guide);
    update();
  }
}

function lowerFirst(text) {
  return text.charAt(0).toLocaleLowerCase(language()) + text.slice(1);
}

/** The straight line to the stop from where the phone is: {distance, bearing, words (the sentence)}. */
export function crowFlies() {
  const { stop, position } = guide;
  const target = { lat: stop.order.lat, lon: stop.order.lon };
  const distance = distanceMetres(position, target);
  const bearing = bearingDegrees(position, target);
  const direction = directionWords(bearing, position.heading, t);
  return { distance, bearing, words: t('guide.crowFlies', { sequence: stop.sequence, distance: distanceText(distance), direction }) };
}

/** What the driver hears for the next manoeuvre now ("In 300 m, turn left onto ...", or just the manoeuvre). */
export function spokenNext() {
  const { leg, progress } = guide;
  if (!leg || !progress) return guide.position && guide.stop && !guide.fetching ? crowFlies().words : null;
  const step = leg.steps[progress.next];
  const action = instructionText(step, t);
  return progress.toNext > ANNOUNCE_NEAR_M
    ? t('guide.inSpoken', { distance: distanceText(progress.toNext), action: lowerFirst(action) }) : action;
}

function announce() {
  if (!settings.speakDirections || !guide.stop) return;
  const { progress } = guide;
  if (progress?.arrived) {
    if (!guide.spoken.has('arrived')) {
      guide.spoken.add('arrived');
      say(t('guide.arrived', { sequence: guide.stop.sequence }), language());
    }
    return;
  }
  if (!guide.leg || !progress) return;
  const near = progress.toNext <= ANNOUNCE_NEAR_M;
  const key = `${progress.next}:${near ? 'near' : 'far'}`;
  if (guide.spoken.has(key) || (!near && guide.spoken.has(`${progress.next}:far`))) return;
  if (!near && progress.toNext < ANNOUNCE_FAR_M && guide.spoken.size) return; // the "near" one comes soon
  guide.spoken.add(key);
  say(spokenNext(), language());
}

/** The driver turned spoken guidance on or off: on, the next manoeuvre is said at once. */
export function toggleVoice() {
  setSpeakDirections(!settings.speakDirections);
  guide.spoken.clear();
  if (settings.speakDirections) {
    const text = spokenNext() || (guide.progress?.arrived ? t('guide.arrived', { sequence: guide.stop?.sequence }) : null);
    if (text) say(text, language());
    if (guide.progress) guide.spoken.add(`${guide.progress.next}:${guide.progress.toNext <= ANNOUNCE_NEAR_M ? 'near' : 'far'}`);
  } else {
    hush();
  }
  update();
}
