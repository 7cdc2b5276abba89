// The tracking page's languages: the customer's (the order's language, given with the view), then the
// browser's, then English. English and French come with the page; Spanish, Portuguese and German load
// only for a customer who reads them.
import { browserLanguages, catalogue, setLanguage } from '../shared/i18n.js';

export const TRACK_LANGUAGES = ['en', 'fr', 'es', 'pt', 'de'];
const LATER = {
  es: () => import('./messages/es.js'),
  pt: () => import('./messages/pt.js'),
  de: () => import('./messages/de.js'),
};

/** The first language of these tags ('es-MX', 'pt') the page offers; English when none. */
export function trackLanguage(candidates) {
  for (const candidate of candidates) {
    const base = String(candidate || '').toLowerCase().split('-')[0];
    if (TRACK_LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

/** Shows the page in the customer's language (loading it first when it is not in the page yet). */
export async function useLanguage(customerLanguage) {
  const wanted = trackLanguage([customerLanguage, ...browserLanguages()]);
  if (!catalogue[wanted]) {
    try {
      catalogue[wanted] = { ...(await LATER[wanted]()).default };
    } catch {
      // Offline before this language was ever fetched: stay in the one shown.
      return;
    }
  }
  setLanguage(wanted);
}
