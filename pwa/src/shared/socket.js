// The Socket.IO connection (same origin, cookie session) and the server clock: a phone's clock can
// be wrong by minutes, and actions are stamped with the time the driver acted, so we keep the
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

export function connectSocket({ onConnect, onDisconnect } = {}) {
  const socket = io({ path: '/socket.io', withCredentials: true, reconnectionDelayMax: 10000 });
  socket.on('connect', () => {
    const sentAt = Date.now();
    socket.timeout(5000).emit('clock', {}, (error, answer) => {
      if (error || !answer?.now) return;
      const receivedAt = Date.now();
      const serverTime = Date.parse(answer.now);
      if (Number.isNaN(serverTime)) return;
      clockOffsetMs = serverTime - (sentAt + receivedAt) / 2;
      setMeta('clockOffsetMs', clockOffsetMs);
    });
    onConnect?.(socket);
  });
  socket.on('disconnect', (reason) => onDisconnect?.(reason));
  return socket;
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
