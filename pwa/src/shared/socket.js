// The one Socket.IO client of the three apps (same origin; a session cookie or a tracking token) and
// the server clock: a phone's clock can be wrong by minutes, and actions are stamped with the time the driver acted, so we keep the
// offset to the server's clock (from the `clock` event) and stamp with now() + offset.
import { io } from 'socket.io-client';
import { getMeta, setMeta } from './db.js';

let clockOffsetMs = 0;

export async function loadClockOffset() {
  clockOffsetMs = (await getMeta('clockOffsetMs')) || 0;
}

/** The time now by the server's clock, as ISO 8601 UTC. */
export function serverNow() {
  return serverTimeOf(Date.now());
}

/** A time read from this phone's clock (ms since epoch), corrected to the server's clock. */
export function serverTimeOf(phoneMs) {
  return new Date(phoneMs + clockOffsetMs).toISOString();
}

/**
 * The app's one Socket.IO connection (same origin). Staff and drivers are known by their session
 * cookie; a customer's page passes `auth: {tracking_token}` instead, and skips the clock (it stamps
 * nothing). `onConnect(socket)` runs on every (re)connection: fetch a fresh snapshot there.
 */
export function connectSocket({ onConnect, onDisconnect, auth = null, clock = true } = {}) {
  const options = { path: '/socket.io', reconnectionDelayMax: 10000 };
  if (auth) options.auth = auth;
  else options.withCredentials = true;
  const socket = io(options);
  socket.on('connect', () => {
    if (clock) syncClock(socket);
    onConnect?.(socket);
  });
  socket.on('disconnect', (reason) => onDisconnect?.(reason));
  return socket;
}

function syncClock(socket) {
  const sentAt = Date.now();
  socket.timeout(5000).emit('clock', {}, (error, answer) => {
    if (error || !answer?.now) return;
    const receivedAt = Date.now();
    const serverTime = Date.parse(answer.now);
    if (Number.isNaN(serverTime)) return;
    clockOffsetMs = serverTime - (sentAt + receivedAt) / 2;
    setMeta('clockOffsetMs', clockOffsetMs);
  });
}

/** emit() with an acknowledgement, as a promise that rejects on timeout. */
export function emitWithAck(socket, event, payload, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    if (!socket?.connected) {
      reject(new Error('not connected'));
      return;
    }
    socket.timeout(timeoutMs).emit(event, payload, (error, answer) => (error ? reject(error) : resolve(answer)));
  });
}
