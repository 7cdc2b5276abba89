// Dates and times are shown in the depot's time zone (a driver's phone may be set to another one,
// and every time on the route is planned in the depot's), formatted for the user's language.
import { language } from './i18n.js';

const formatters = new Map();
// Canadian English and French (the project's home); any other language with its own conventions.
const LOCALES = { en: 'en-CA', fr: 'fr-CA' };
const locale = () => LOCALES[language()] || language();

function formatter(timeZone, options) {
  const key = `${language()}|${timeZone}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) {
    try {
      formatters.set(key, new Intl.DateTimeFormat(locale(), { timeZone, ...options }));
    } catch {
      // An unknown zone name from the server must not break the screen: fall back to the phone's.
      formatters.set(key, new Intl.DateTimeFormat(locale(), options));
    }
  }
  return formatters.get(key);
}

export function formatTime(iso, timeZone) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return formatter(timeZone, { hour: '2-digit', minute: '2-digit', hour12: false }).format(date);
}

export function formatDate(iso, timeZone) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return formatter(timeZone, { weekday: 'long', day: 'numeric', month: 'long' }).format(date);
}

/** Today's date (YYYY-MM-DD) in the given zone: the route for "today" is the depot's today. */
export function todayIn(timeZone, now = new Date()) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

export function formatMoney(cents, currency = 'CAD') {
  return new Intl.NumberFormat(locale(), { style: 'currency', currency })
    .format((cents || 0) / 100);
}

export function formatDistance(metres) {
  if (metres == null) return '';
  return metres >= 1000 ? `${(metres / 1000).toFixed(1)} km` : `${Math.round(metres)} m`;
}
