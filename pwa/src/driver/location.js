// Live location while on duty (route started, not ended) and never otherwise.
// Each fix goes over the socket with an acknowledgement; a fix that is not acknowledged (offline,
// socket down, server busy) is kept with its original time in the outbox and uploaded in a batch
// (POST /driver/locations) when the outbox is replayed.
import { getMeta, setMeta } from '../shared/db.js';
import { enqueue } from '../shared/outbox.js';
import { emitWithAck, serverTimeOf } from '../shared/socket.js';
import { distanceMetres } from './state.js';

const MIN_INTERVAL_MS = 5000;
const MIN_MOVE_METRES = 25;

export class LocationSharing {
  constructor({ getSocket, onChange }) {
    this.getSocket = getSocket;
    this.onChange = onChange;
    this.watchId = null;
    this.lastFix = null;
    this.lastSent = null;
    this.lastTakenAt = null; // phone time (ms) of the newest fix handled, kept across reloads
    this.error = null;
  }

  get active() {
    return this.watchId !== null;
  }

  start() {
    if (this.active || !navigator.geolocation) return;
    this.ready = getMeta('lastFixTakenAt').then((value) => {
      this.lastTakenAt = Math.max(this.lastTakenAt ?? 0, value ?? 0);
    });
    this.watchId = navigator.geolocation.watchPosition(
      (position) => this.onPosition(position),
      (error) => {
        this.error = error.message || 'geolocation error';
        this.onChange?.();
      },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 60000 },
    );
    this.onChange?.();
  }

  stop() {
    if (!this.active) return;
    navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
    this.onChange?.();
  }

  async onPosition(position) {
    await this.ready;
    const { latitude, longitude, accuracy, heading, speed } = position.coords;
    const takenAt = position.timestamp || Date.now();
    const fix = {
      lat: latitude,
      lon: longitude,
      accuracy: accuracy ?? null,
      heading: Number.isFinite(heading) ? heading : null,
      speed: Number.isFinite(speed) ? speed : null,
      at: serverTimeOf(takenAt),
    };
    this.lastFix = fix;
    this.error = null;
    // A restarted watch (reload, app start) first hands back the cached position it already gave us:
    // sending it again would store the same fix twice.
    if (this.lastTakenAt !== null && takenAt <= this.lastTakenAt) return;
    this.lastTakenAt = takenAt;
    setMeta('lastFixTakenAt', takenAt);
    // Saves battery and server writes: a parked van does not need a fix every second.
    if (this.lastSent) {
      const elapsed = Date.parse(fix.at) - Date.parse(this.lastSent.at);
      if (elapsed < MIN_INTERVAL_MS && distanceMetres(this.lastSent, fix) < MIN_MOVE_METRES) return;
    }
    this.lastSent = fix;
    let answer;
    try {
      answer = await emitWithAck(this.getSocket(), 'location.update', fix);
    } catch {
      // No acknowledgement (offline, socket down, timeout): keep the fix for the next batch upload.
      await enqueue({ kind: 'locations', fixes: [fix] });
      this.onChange?.();
      return;
    }
    // {ok: false} means the server saw the fix and refused it (too old, implausible): resending won't help.
    this.refused = answer?.ok ? null : answer?.error || 'refused';
  }
}

/** Keep the screen on while the driver navigates on duty (where the browser allows it). */
export class ScreenWakeLock {
  constructor() {
    this.sentinel = null;
    this.wanted = false;
  }

  async want(on) {
    this.wanted = on;
    if (!on) {
      await this.sentinel?.release().catch(() => {});
      this.sentinel = null;
      return;
    }
    // One request at a time: becoming visible asks twice (the page's event, then the render), and a second
    // lock taken meanwhile would never be released — the screen would stay on through the break.
    if (this.sentinel || this.requesting || !navigator.wakeLock || document.visibilityState !== 'visible') return;
    this.requesting = true;
    try {
      const sentinel = await navigator.wakeLock.request('screen');
      sentinel.addEventListener('release', () => {
        if (this.sentinel === sentinel) this.sentinel = null;
      });
      this.sentinel = sentinel;
      if (!this.wanted) await this.want(false); // the break started while the lock was being granted
    } catch {
      this.sentinel = null;
    } finally {
      this.requesting = false;
    }
  }
}
