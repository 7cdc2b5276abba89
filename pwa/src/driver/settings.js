// The driver's display settings, kept on this phone: the language (null: follow the phone's), the
// high-contrast mode for bright sunlight and whether the directions are spoken. The dark theme needs no
// setting: it follows the phone.
import { request } from '../shared/api.js';
import { setLanguage } from '../shared/i18n.js';
import { mergeMessages } from './messages.js';

const KEY = 'lastmile.driver.settings';
export const DRIVER_LANGUAGES = ['en', 'fr', 'es', 'pt', 'de'];
// Each language's name in itself: a driver who cannot read the current language still finds theirs.
export const LANGUAGE_NAMES = { en: 'English', fr: 'Français', es: 'Español', pt: 'Português', de: 'Deutsch' };
// English and French ship with the first screen; the others load when a phone uses them.
const LATER = {
  es: () => import('./messages/es.js'),
  pt: () => import('./messages/pt.js'),
  de: () => import('./messages/de.js'),
};
const loaded = new Set(['en', 'fr']);

export const settings = { language: null, highContrast: false, speakDirections: false };

function read() {
  try {
    Object.assign(settings, JSON.parse(localStorage.getItem(KEY) || '{}'));
  } catch {
    // A damaged value: the defaults.
  }
}

function save() {
  localStorage.setItem(KEY, JSON.stringify(settings));
}

/** The first of the phone's languages the app has, if any. */
export function phoneLanguage() {
  for (const candidate of navigator.languages || [navigator.language]) {
    const base = String(candidate || '').toLowerCase().split('-')[0];
    if (DRIVER_LANGUAGES.includes(base)) return base;
  }
  return null;
}

let accountLanguage = null;

/**
 * Use the language the driver picked, else the phone's, else their account's, else English (loading its
 * messages first when they are not in the first download; English if they cannot load, offline).
 */
export async function applyLanguage(fromAccount = accountLanguage) {
  accountLanguage = fromAccount;
  let wanted = settings.language || phoneLanguage()
    || (DRIVER_LANGUAGES.includes(fromAccount) ? fromAccount : null) || 'en';
  if (!loaded.has(wanted)) {
    try {
      mergeMessages({ [wanted]: (await LATER[wanted]()).default });
      loaded.add(wanted);
    } catch {
      wanted = 'en';
    }
  }
  setLanguage(wanted);
  return wanted;
}

export function applyContrast() {
  if (settings.highContrast) document.documentElement.dataset.contrast = 'high';
  else delete document.documentElement.dataset.contrast;
}

/**
 * The driver picks a language on this phone; their account follows (best effort: offline, the next pick
 * tells it), so what the server writes to them — a route change pushed with the app closed — is in it too.
 */
export async function chooseLanguage(language) {
  settings.language = DRIVER_LANGUAGES.includes(language) ? language : null;
  save();
  const shown = await applyLanguage();
  if (shown !== accountLanguage) {
    try {
      await request('PATCH', '/api/v1/auth/me', { json: { language: shown } });
      accountLanguage = shown;
    } catch {
      // Not critical: the phone shows the language either way.
    }
  }
}

export function setHighContrast(on) {
  settings.highContrast = Boolean(on);
  save();
  applyContrast();
}

/** Spoken turn-by-turn guidance, off until the driver turns it on. */
export function setSpeakDirections(on) {
  settings.speakDirections = Boolean(on);
  save();
}

read();
applyContrast();
