// The console's hook for the KPI dashboard. This file is all the console loads up front: the tab's
// label, and a loader that fetches the dashboard (and its chart library) the first time the tab opens.
import { catalogue } from '../shared/i18n.js';

const TAB_LABEL = { en: 'Analytics', fr: 'Indicateurs' };
for (const [language, text] of Object.entries(TAB_LABEL)) {
  if (catalogue[language] && !('d.tab.analytics' in catalogue[language])) catalogue[language]['d.tab.analytics'] = text;
}

let dashboard = null;

/**
 * Shows the dashboard in `root` (the console's tab panel). `context` gives the signed-in user, the
 * depots, the console's date and map settings. Resolves once the module is loaded and attached.
 */
export function showAnalytics(root, context) {
  dashboard ??= import('./dashboard.js');
  return dashboard.then((module) => module.attach(root, context));
}
