// Small formatting helpers the screens and the change sentences share.
import { t } from '../shared/i18n.js';
import { formatTime } from '../shared/time.js';
import { timeZone } from './store.js';

export function windowText(order) {
  const window = order.time_windows?.[0];
  if (!window) return '';
  return t('stop.window', { start: formatTime(window.start, timeZone()), end: formatTime(window.end, timeZone()) });
}

/** "09:00–11:00": the first window alone, for a sentence that already says it is a window. */
export function windowRange(order) {
  const window = order.time_windows?.[0];
  return window ? `${formatTime(window.start, timeZone())}–${formatTime(window.end, timeZone())}` : '';
}
