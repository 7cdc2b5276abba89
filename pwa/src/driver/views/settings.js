// Display and language, at the foot of the route screen: the language (the phone's until the driver picks
// one) and the high-contrast mode for sunlight. The dark theme follows the phone and has no switch here.
import { html } from 'lit-html';
import { t } from '../../shared/i18n.js';
import {
  DRIVER_LANGUAGES, LANGUAGE_NAMES, chooseLanguage, phoneLanguage, setHighContrast, settings,
} from '../settings.js';
import { update } from '../store.js';

export function settingsView() {
  const phone = LANGUAGE_NAMES[phoneLanguage() || 'en'];
  return html`
    <section class="card settings" aria-labelledby="settings-title" data-testid="settings">
      <h2 id="settings-title">${t('settings.title')}</h2>
      <label for="language">${t('settings.language')}</label>
      <select id="language" @change=${async (event) => { await chooseLanguage(event.target.value || null); update(); }}>
        <option value="" ?selected=${!settings.language}>${t('settings.followPhone')} (${phone})</option>
        ${DRIVER_LANGUAGES.map((code) => html`<option value=${code} lang=${code} ?selected=${settings.language === code}>${LANGUAGE_NAMES[code]}</option>`)}
      </select>
      <label class="check"><input type="checkbox" data-testid="high-contrast" .checked=${settings.highContrast}
        @change=${(event) => { setHighContrast(event.target.checked); update(); }}> ${t('settings.highContrast')}</label>
    </section>`;
}
